# The same environment as scripts/setup.sh, serving the demo data on port 8080.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential libgdal-dev gdal-bin \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/xcube-openeo
COPY pyproject.toml README.md ./
COPY xcube_openeo ./xcube_openeo
COPY xcube_openeo_tiles ./xcube_openeo_tiles
COPY scripts ./scripts
COPY configs ./configs

# setup.sh creates the venv, builds the GDAL bindings, installs the project and
# generates the demo data into the image.
ENV XCUBE_OPENEO_DATA_DIR=/opt/xcube-openeo/data
# State apart from the served datasets; mount a volume here to keep it.
ENV XCUBE_OPENEO_STATE_DIR=/var/lib/xcube-openeo
VOLUME /var/lib/xcube-openeo
RUN bash scripts/setup.sh

EXPOSE 8080
CMD ["bash", "scripts/dev.sh", "serve"]
