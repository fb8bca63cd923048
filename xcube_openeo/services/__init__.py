"""Secondary web services: XYZ and WMTS map layers computed tile by tile from process graphs."""
