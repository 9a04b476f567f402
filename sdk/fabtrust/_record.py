"""Private: frozen, validated records without pydantic, for the models on the buyer's path.

The models a verification reads and returns (the deployment file, certificates, bundles, reading
proofs, events, verdicts) are :class:`Record` subclasses: frozen keyword-only dataclasses whose
fields are checked and normalised from their annotations when an instance is made, with the
``model_*`` methods of a frozen pydantic model (``model_validate``, ``model_validate_json``,
``model_dump``, ``model_dump_json``, ``model_copy``, ``model_construct``). Why not pydantic:
importing it costs ~80 ms of a ~0.2 s `fabtrust cert verify` process (on Python 3.11 it also
imports asyncio, through typing_extensions' ``deprecated``); see docs/benchmarks.md. The rest of
the SDK keeps pydantic; a pydantic model may hold a Record field (validated with
``model_validate``, serialised with ``model_dump``).

What a field's annotation means (checked in ``__post_init__``, so also for ``model_copy``):

- ``int`` an int (not a bool); ``str`` a str; ``bool`` a bool; ``datetime`` a datetime, an ISO
  8601 text or unix seconds; an ``Enum`` a member or its value; ``Literal[...]`` one of the
  values; ``X | None``; ``tuple[X, ...]``, ``tuple[X, Y]``, ``list[X]`` from a list or tuple;
  ``dict[K, V]`` from a mapping; ``Any`` anything; a Record subclass an instance or a mapping.
- ``Annotated[T, *checks]`` with :class:`Before` (a function run on the raw value, before ``T``),
  :class:`After` (run on the value of type ``T``), :class:`Bounds` (``ge``/``gt``/``lt`` for
  numbers, ``min_length`` for sized values) and :class:`JsonAs` (how ``model_dump(mode="json")``
  writes the value).
- a field's ``alias`` (``field(metadata={"alias": "proofFlags"})``) is accepted, beside the name,
  by ``model_validate``.

A bad value raises :class:`RecordError` (an :class:`~fabtrust.errors.InvalidInputError`) naming
the dotted path of the field and the problem, in pydantic's words where pydantic has them
(``device_id: Field required``, ``batch.proof.0: ...``).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from enum import Enum
from typing import (
    Annotated,
    Any,
    ClassVar,
    Literal,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - Python 3.10: the marker only informs type checkers

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda cls: cls


from fabtrust.errors import InvalidInputError

__all__ = ["After", "Before", "Bounds", "JsonAs", "Record", "RecordError"]

R = TypeVar("R", bound="Record")
Loc = tuple[str | int, ...]
_Convert = Callable[[Any], Any]


class RecordError(InvalidInputError):
    """A value a Record does not accept: ``loc`` is the field's path, ``msg`` the problem."""

    def __init__(self, loc: Loc, msg: str) -> None:
        where = ".".join(str(part) for part in loc)
        super().__init__(f"{where}: {msg}" if where else msg, field=where or None)
        self.loc = loc
        self.msg = msg

    def under(self, *outer: str | int) -> RecordError:
        """The same problem, located below ``outer``."""
        return RecordError((*outer, *self.loc), self.msg)


@dataclasses.dataclass(frozen=True)
class Before:
    """Run ``fn`` on the raw value before the annotated type is checked (it may convert it);
    a ValueError it raises is the field's error."""

    fn: Callable[[Any], Any]


@dataclasses.dataclass(frozen=True)
class After:
    """Run ``fn`` on the value once it has the annotated type; a ValueError is the field's error."""

    fn: Callable[[Any], Any]


@dataclasses.dataclass(frozen=True)
class Bounds:
    """Numeric bounds (``ge``, ``gt``, ``lt``) and ``min_length`` for sized values."""

    ge: int | None = None
    gt: int | None = None
    lt: int | None = None
    min_length: int | None = None

    def check(self, value: Any) -> Any:
        if self.ge is not None and not value >= self.ge:
            raise RecordError((), f"Input should be greater than or equal to {self.ge}")
        if self.gt is not None and not value > self.gt:
            raise RecordError((), f"Input should be greater than {self.gt}")
        if self.lt is not None and not value < self.lt:
            raise RecordError((), f"Input should be less than {self.lt}")
        if self.min_length is not None and len(value) < self.min_length:
            raise RecordError(
                (), f"Value should have at least {self.min_length} item(s), not {len(value)}"
            )
        return value


@dataclasses.dataclass(frozen=True)
class JsonAs:
    """How ``model_dump(mode="json")`` writes the field (e.g. a uint256 as a decimal string)."""

    fn: Callable[[Any], Any]


# -- converters from annotations --------------------------------------------------------------


def _fail(msg: str) -> RecordError:
    return RecordError((), msg)


def _run(fn: Callable[[Any], Any], value: Any) -> Any:
    try:
        return fn(value)
    except RecordError:
        raise
    except ValueError as exc:  # InvalidInputError included: its message is the problem
        raise _fail(str(exc)) from None


def _annotated(base: Any, metadata: tuple[Any, ...]) -> _Convert:
    inner = _converter(base)
    before = [m.fn for m in metadata if isinstance(m, Before)]
    after = [m for m in metadata if isinstance(m, After | Bounds)]

    def convert(value: Any) -> Any:
        for fn in before:
            value = _run(fn, value)
        value = inner(value)
        for check in after:
            value = check.check(value) if isinstance(check, Bounds) else _run(check.fn, value)
        return value

    return convert


def _union(members: tuple[Any, ...]) -> _Convert:
    optional = type(None) in members
    converters = [_converter(m) for m in members if m is not type(None)]

    def convert(value: Any) -> Any:
        if value is None and optional:
            return None
        error: RecordError | None = None
        for one in converters:
            try:
                return one(value)
            except RecordError as exc:
                error = error or exc
        raise error or _fail("Input should be None")

    return convert


def _literal(values: tuple[Any, ...]) -> _Convert:
    def convert(value: Any) -> Any:
        for allowed in values:
            if value == allowed and type(value) is type(allowed):
                return allowed
        shown = " or ".join(repr(v) for v in values)
        raise _fail(f"Input should be {shown}")

    return convert


def _sequence(items: list[_Convert] | _Convert, make: type) -> _Convert:
    def convert(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise _fail(f"Input should be a valid {'list' if make is list else 'tuple'}")
        if isinstance(items, list) and len(value) != len(items):
            raise _fail(f"Tuple should have {len(items)} item(s), not {len(value)}")
        each = items if isinstance(items, list) else [items] * len(value)
        out = []
        for index, (one, item) in enumerate(zip(each, value, strict=True)):
            try:
                out.append(one(item))
            except RecordError as exc:
                raise exc.under(index) from None
        return make(out)

    return convert


def _mapping(key: _Convert, item: _Convert) -> _Convert:
    def convert(value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise _fail("Input should be a valid dictionary")
        out = {}
        for k, v in value.items():
            try:
                out[key(k)] = item(v)
            except RecordError as exc:
                raise exc.under(str(k)) from None
        return out

    return convert


def _exact(kind: type, name: str) -> _Convert:
    def convert(value: Any) -> Any:
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise _fail(f"Input should be a valid {name}")
        return int(value) if isinstance(value, int) and kind is int else value

    return convert


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise _fail(f"Input should be a valid datetime, {value} is out of range") from None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise _fail(f"Input should be a valid datetime, {value!r} is not ISO 8601") from None
    raise _fail("Input should be a valid datetime")


def _enum(kind: type[Enum]) -> _Convert:
    def convert(value: Any) -> Any:
        if isinstance(value, kind):
            return value
        try:
            return kind(value)
        except ValueError:
            shown = " or ".join(repr(m.value) for m in kind)
            raise _fail(f"Input should be {shown}") from None

    return convert


def _record(kind: type[Record]) -> _Convert:
    def convert(value: Any) -> Any:
        if isinstance(value, kind):
            return value
        if isinstance(value, Mapping):
            return kind.model_validate(value)
        raise _fail(f"Input should be a valid dictionary or instance of {kind.__name__}")

    return convert


def _any(value: Any) -> Any:
    return value


_EXACT = {int: "integer", str: "string", bool: "boolean", float: "number"}


def _converter(tp: Any) -> _Convert:
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Annotated:
        return _annotated(args[0], tp.__metadata__)
    if origin is Union or origin is types.UnionType:
        return _union(args)
    if origin is Literal:
        return _literal(args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _sequence(_converter(args[0]), tuple)
        return _sequence([_converter(a) for a in args], tuple)
    if origin is list:
        return _sequence(_converter(args[0]) if args else _any, list)
    if origin is dict:
        return _mapping(_converter(args[0]), _converter(args[1])) if args else _mapping(_any, _any)
    if tp is Any:
        return _any
    if tp in _EXACT:
        return _exact(tp, _EXACT[tp])
    if tp is datetime:
        return _datetime
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _enum(tp)
    if isinstance(tp, type) and issubclass(tp, Record):
        return _record(tp)
    if tp is type(None):
        return _union((tp,))
    raise TypeError(f"a Record field cannot be of type {tp!r}")


# -- dumping ----------------------------------------------------------------------------------


def _json_time(value: datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _dump(value: Any, json_mode: bool) -> Any:
    if isinstance(value, Record):
        return value.model_dump(mode="json" if json_mode else "python")
    if isinstance(value, tuple | list):
        items = [_dump(v, json_mode) for v in value]
        return items if json_mode or isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _dump(v, json_mode) for k, v in value.items()}
    if json_mode:
        if isinstance(value, datetime):
            return _json_time(value)
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, bytes):
            return "0x" + value.hex()
    return value


def _json_as(tp: Any) -> Callable[[Any], Any] | None:
    """The JsonAs writer of an annotation (``Annotated[..., JsonAs(fn)]`` or that ``| None``)."""
    if get_origin(tp) is Annotated:
        return next((m.fn for m in tp.__metadata__ if isinstance(m, JsonAs)), None)
    if get_origin(tp) in (Union, types.UnionType):
        found = [fn for fn in (_json_as(a) for a in get_args(tp)) if fn is not None]
        return found[0] if found else None
    return None


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    alias: str | None
    convert: _Convert
    json_as: Callable[[Any], Any] | None
    required: bool


# -- the base class ---------------------------------------------------------------------------


@dataclass_transform(
    kw_only_default=True, frozen_default=True, field_specifiers=(dataclasses.field,)
)
class Record:
    """A frozen, keyword-only dataclass whose fields are validated from their annotations
    (module notes). Subclasses are made dataclasses automatically; override
    :meth:`_check_record` for checks across fields."""

    __record_fields__: ClassVar[tuple[_Field, ...] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__record_fields__ = None
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)

    @classmethod
    def _record_fields(cls) -> tuple[_Field, ...]:
        plan = cls.__dict__.get("__record_fields__")
        if plan is None:
            hints = get_type_hints(cls, include_extras=True)
            plan = tuple(
                _Field(
                    name=f.name,
                    alias=f.metadata.get("alias"),
                    convert=_converter(hints[f.name]),
                    json_as=_json_as(hints[f.name]),
                    required=f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING,
                )
                for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            )
            cls.__record_fields__ = plan
        return plan

    def __post_init__(self) -> None:
        for f in self._record_fields():
            try:
                value = f.convert(getattr(self, f.name))
            except RecordError as exc:
                raise exc.under(f.name) from None
            object.__setattr__(self, f.name, value)
        try:
            self._check_record()
        except RecordError:
            raise
        except ValueError as exc:
            raise _fail(str(exc)) from None

    def _check_record(self) -> None:
        """Checks across fields, run after each field is valid (raise ValueError)."""

    # -- the pydantic-compatible surface -------------------------------------------------------

    @classmethod
    def model_validate(cls: type[R], obj: Any) -> R:
        """An instance from a mapping of field names (or aliases); an instance is returned as is.
        Unknown keys and missing required fields are errors."""
        if isinstance(obj, cls):
            return obj
        if not isinstance(obj, Mapping):
            raise _fail(f"Input should be a valid dictionary or instance of {cls.__name__}")
        fields = cls._record_fields()
        by_key = {f.name: f for f in fields} | {f.alias: f for f in fields if f.alias}
        values: dict[str, Any] = {}
        for key, value in obj.items():
            found = by_key.get(key) if isinstance(key, str) else None
            if found is None:
                raise RecordError((str(key),), "Extra inputs are not permitted")
            values[found.name] = value
        for f in fields:
            if f.required and f.name not in values:
                raise RecordError((f.alias or f.name,), "Field required")
        return cls(**values)

    @classmethod
    def model_validate_json(cls: type[R], data: str | bytes) -> R:
        """:meth:`model_validate` of a JSON document."""
        try:
            obj = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _fail(f"Invalid JSON: {exc}") from None
        return cls.model_validate(obj)

    @classmethod
    def model_construct(cls: type[R], **values: Any) -> R:
        """An instance from trusted, already valid values, without checks (defaults filled)."""
        obj = object.__new__(cls)
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in values:
                value = values[f.name]
            elif f.default is not dataclasses.MISSING:
                value = f.default
            elif f.default_factory is not dataclasses.MISSING:
                value = f.default_factory()
            else:
                raise TypeError(f"{cls.__name__}.model_construct: {f.name} is missing")
            object.__setattr__(obj, f.name, value)
        return obj

    def model_dump(
        self, *, mode: str = "python", exclude: set[str] | None = None
    ) -> dict[str, Any]:
        """The fields as a dict: nested records as dicts; under ``mode="json"`` only JSON
        values (datetimes as ISO 8601 with ``Z``, enums as values, tuples as lists, JsonAs)."""
        json_mode = mode == "json"
        out: dict[str, Any] = {}
        for f in self._record_fields():
            if exclude and f.name in exclude:
                continue
            value = getattr(self, f.name)
            if json_mode and f.json_as is not None and value is not None:
                out[f.name] = f.json_as(value)
            else:
                out[f.name] = _dump(value, json_mode)
        return out

    def model_dump_json(self, *, indent: int | None = None) -> str:
        """:meth:`model_dump` (JSON mode) as JSON text, compact unless ``indent`` is given."""
        separators = (",", ":") if indent is None else (",", ": ")
        return json.dumps(
            self.model_dump(mode="json"), indent=indent, separators=separators, ensure_ascii=False
        )

    def model_copy(self: R, *, update: Mapping[str, Any] | None = None) -> R:
        """A copy with ``update`` applied (the new values are checked)."""
        return dataclasses.replace(self, **dict(update or {}))  # type: ignore[type-var]

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """A Record field of a pydantic model: validated by :meth:`model_validate`, written by
        :meth:`model_dump` (pydantic is loaded already when this runs)."""
        from pydantic import PlainSerializer, PlainValidator, SerializationInfo

        def serialize(value: Record, info: SerializationInfo) -> Any:
            return value.model_dump(mode="json" if info.mode_is_json() else "python")

        return handler(
            Annotated[Any, PlainValidator(cls.model_validate), PlainSerializer(serialize)]
        )
