"""ASGI entry point for uvicorn: ``app.main:app`` (what ``xinmiao serve`` serves).

Only the served process settles its heap at start-up (:func:`app.runtime.settle_heap`); the test
suite builds its apps with :func:`app.factory.create_app` and keeps CPython's collector as it is."""

from app.factory import create_app
from app.runtime import settle_heap

app = create_app()
app.on_startup.append(settle_heap)
