"""HTTP building blocks every package with routes shares: the handler base class, route
tables, pagination and conformance declarations.

Below the feature packages and knowing none of them: each package declares its routes
in a :class:`~xcube_openeo.web.routes.RouteTable`, and :mod:`xcube_openeo.api` adds the
tables to the xcube ``Api`` in the order tornado should match them.
"""
