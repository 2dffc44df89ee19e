"""What the OpenAPI document says beyond the handlers' signatures: the error answers each
operation can give, the closed sets of values a text field takes, and the real media types of
the files an operation answers with."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import KwargDefinition

from app.web.schemas import ErrorOut

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
PNG = "image/png"
SVG = "image/svg+xml"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC = "application/msword"

ERROR_DESCRIPTIONS = {
    400: "The request cannot be read (malformed JSON, or a form that is not one)",
    401: "Not logged in: no, an expired or an invalid bearer token (or wrong user name or password)",
    403: "The caller's role may not do this, or the resource belongs to someone else's school or city",
    404: "The resource, or the event (or entry) it belongs to, does not exist or is not visible to the caller",
    409: "The request conflicts with the current state (the detail says why: locked results, a taken code, a stale version...)",
    413: "The upload is larger than allowed",
    422: "Invalid input (a required field missing, a value of the wrong type, a value the service refuses): `errors` lists each problem with its `field` (or the workbook's `row` and `column`)",
    429: "Too many requests from this address: wait the seconds given in `Retry-After`",
}


def responses(*statuses: int) -> dict[int, ResponseSpec]:
    """Error answers of an operation for ``responses=`` on a handler: each is
    ``{"status_code", "detail", "extra", "errors"?}`` (:class:`app.web.schemas.ErrorOut`)."""
    return {
        status: ResponseSpec(data_container=ErrorOut, description=ERROR_DESCRIPTIONS[status], generate_examples=False)
        for status in statuses
    }


# the statuses most operations share
GUARDED = (401, 403)


def one_of(*values: str | Callable[[], Iterable[str]]) -> KwargDefinition:
    """``Annotated[str, one_of("a", "b")]``: a text field or query parameter that takes one of
    ``values``. The OpenAPI document lists them as an enum; the service checks the value and
    answers 422 with a translated message (so what the API accepts and says stays as it was).
    A callable (``one_of(kind_codes)``) is asked when the document is made, so values that
    plugins register later are listed too."""
    return KwargDefinition(schema_extra=_Enum(values))


class _Enum(dict):  # type: ignore[type-arg]
    """``schema_extra={"enum": [...]}`` whose values are read when the document is made; hashable,
    so it can sit in ``Annotated[...] | None`` (typing hashes the metadata)."""

    def __init__(self, values: tuple[str | Callable[[], Iterable[str]], ...]) -> None:
        super().__init__(enum=None)
        self._values = values

    def items(self):  # type: ignore[override]
        values: list[str] = []
        for value in self._values:
            values.extend(value() if callable(value) else [value])
        return [("enum", values)]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Enum) and self._values == other._values


def file_operation(*media_types: str, description: str = "The file") -> type[Operation]:
    """``operation_class=`` for a handler that answers a file: its success answer is documented
    as binary content of ``media_types`` instead of JSON."""

    @dataclasses.dataclass
    class FileOperation(Operation):
        def __post_init__(self) -> None:
            for status, response in (self.responses or {}).items():
                if str(status).startswith("2") and hasattr(response, "content"):
                    response.description = description
                    response.content = {
                        media_type: OpenAPIMediaType(
                            schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                        )
                        for media_type in media_types
                    }

    FileOperation.__name__ = f"FileOperation[{', '.join(media_types)}]"
    return FileOperation


def upload_operation(description: str, field: str = "file") -> type[Operation]:
    """``operation_class=`` for a handler that reads an uploaded file itself (``upload_bytes``):
    documents its request body as ``multipart/form-data`` with the file in ``field``."""

    @dataclasses.dataclass
    class UploadOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                content={
                    "multipart/form-data": OpenAPIMediaType(
                        schema=Schema(
                            type=OpenAPIType.OBJECT,
                            properties={field: Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)},
                            required=[field],
                        )
                    )
                },
                description=description,
                required=True,
            )

    UploadOperation.__name__ = f"UploadOperation[{field}]"
    return UploadOperation


def _inline(schema: Any, components: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return _inline(components[ref.rsplit("/", 1)[-1]], components)
        return {k: _inline(v, components) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inline(v, components) for v in schema]
    return schema


def body_operation(
    body: type[msgspec.Struct], description: str = "", enums: dict[str, Callable[[], Iterable[str]]] | None = None
) -> type[Operation]:
    """``operation_class=`` for a handler that reads its JSON body itself (to keep how it parses
    it, for example decimals exactly as written): documents ``body`` as the request body.
    ``enums`` lists, for text fields, the values they take (asked when the document is made)."""

    def content() -> dict[str, Any]:
        (schema,), components = msgspec.json.schema_components([body], ref_template="#/$defs/{name}")
        schema = _inline(schema, components)
        for name, values in (enums or {}).items():
            schema["properties"][name]["enum"] = list(values())
        return schema  # type: ignore[no-any-return]

    @dataclasses.dataclass
    class BodyOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                content={"application/json": OpenAPIMediaType(schema=content())},  # type: ignore[arg-type]
                description=description or None,
                required=True,
            )

    BodyOperation.__name__ = f"BodyOperation[{body.__name__}]"
    return BodyOperation
