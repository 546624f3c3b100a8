"""pytest plugin of ./dev test: read every module's manifest once, at the start.

Odoo's HTTP server reads all the manifests (``ast.literal_eval``) the first
time a browser asks for a static file, while the browser's other first
requests run in other threads. On this Python (3.11) parsing in two threads at
once can fail with "SystemError: AST constructor recursion depth mismatch":
that request answers 500 and a tour starts on a blank page. Reading them here,
before any request, leaves nothing to parse then.
"""


def pytest_sessionstart(session):
    import odoo.http  # configured by pytest-odoo by now

    odoo.http.root.statics  # noqa: B018  (a cached property: computed here)
