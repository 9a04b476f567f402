"""fabtrust._record: the pydantic-free frozen records of the buyer's path (models, bundles,
deployments, reading proofs): what each annotation accepts, the errors' paths and words, JSON
dumps, copies, and a Record inside a pydantic model."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import datetime, timezone
from enum import IntEnum
from typing import Annotated, Any, Literal

import pytest

from fabtrust._record import After, Before, Bounds, JsonAs, Record, RecordError
from fabtrust.errors import InvalidInputError


class Colour(IntEnum):
    RED = 1
    GREEN = 2


def _upper(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("bad"):
        raise InvalidInputError(f"{value!r} is bad", field="name")
    return value.upper() if isinstance(value, str) else value


def _even(value: int) -> int:
    if value % 2:
        raise ValueError(f"{value} is odd")
    return value


class Inner(Record):
    name: Annotated[str, Before(_upper)]
    count: Annotated[int, After(_even), Bounds(ge=0)] = 0


class Outer(Record):
    version: Literal[1] = 1
    big: Annotated[int, Bounds(gt=0), JsonAs(str)]
    at: datetime
    colour: Colour
    inner: Inner
    items: tuple[Inner, ...] = ()
    pair: tuple[int, str] | None = None
    tags: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    flags: tuple[bool, ...] = dataclasses.field(default=(), metadata={"alias": "allFlags"})
    note: str | None = None


AT = datetime(2026, 12, 5, 9, 30, tzinfo=timezone.utc)


def _outer(**extra: Any) -> Outer:
    values: dict[str, Any] = {
        "big": 2**200,
        "at": AT,
        "colour": Colour.GREEN,
        "inner": {"name": "a", "count": 2},
    }
    return Outer.model_validate(values | extra)


def _error(**extra: Any) -> str:
    with pytest.raises(RecordError) as caught:
        _outer(**extra)
    assert isinstance(caught.value, InvalidInputError)
    return str(caught.value)


def test_fields_are_checked_and_normalised() -> None:
    outer = _outer(items=[{"name": "b"}], pair=[1, "x"], tags={"t": (1, 2)}, allFlags=[True])
    assert outer.inner == Inner(name="A", count=2)
    assert outer.items == (Inner(name="B"),)
    assert outer.pair == (1, "x")
    assert outer.tags == {"t": [1, 2]}
    assert outer.flags == (True,)
    assert outer.colour is Colour.GREEN
    assert _outer(colour=1).colour is Colour.RED
    assert _outer(at="2026-12-05T09:30:00Z").at == AT
    assert _outer(at=int(AT.timestamp())).at == AT


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"big": 0}, "big: Input should be greater than 0"),
        ({"big": True}, "big: Input should be a valid integer"),
        ({"big": "5"}, "big: Input should be a valid integer"),
        ({"version": 2}, "version: Input should be 1"),
        ({"colour": 3}, "colour: Input should be 1 or 2"),
        ({"at": "yesterday"}, "at: Input should be a valid datetime, 'yesterday' is not ISO 8601"),
        ({"inner": {"name": "bad1"}}, "inner.name: 'bad1' is bad"),
        ({"inner": {"name": "a", "count": 3}}, "inner.count: 3 is odd"),
        (
            {"inner": {"name": "a", "count": -2}},
            "inner.count: Input should be greater than or equal to 0",
        ),
        ({"inner": {"count": 2}}, "inner.name: Field required"),
        ({"inner": {"name": "a", "size": 1}}, "inner.size: Extra inputs are not permitted"),
        ({"inner": "a"}, "inner: Input should be a valid dictionary or instance of Inner"),
        ({"items": [{"name": "a"}, {"name": 5}]}, "items.1.name: Input should be a valid string"),
        ({"items": "ab"}, "items: Input should be a valid tuple"),
        ({"pair": [1]}, "pair: Tuple should have 2 item(s), not 1"),
        ({"tags": {"t": [1, "x"]}}, "tags.t.1: Input should be a valid integer"),
        ({"allFlags": [1]}, "flags.0: Input should be a valid boolean"),
        ({"extra": 1}, "extra: Extra inputs are not permitted"),
    ],
)
def test_a_bad_value_names_its_path(extra: dict[str, Any], message: str) -> None:
    assert _error(**extra) == message


def test_missing_and_wrong_top_level_input() -> None:
    with pytest.raises(RecordError, match=r"^big: Field required$"):
        Outer.model_validate({"at": AT, "colour": 1, "inner": {"name": "a"}})
    with pytest.raises(RecordError, match=r"^Input should be a valid dictionary or instance"):
        Outer.model_validate([1])
    with pytest.raises(RecordError, match=r"^Invalid JSON: "):
        Outer.model_validate_json("{")
    with pytest.raises(TypeError):
        Inner(name="a", count=2, size=3)  # type: ignore[call-arg]


def test_dumps_python_and_json() -> None:
    outer = _outer(items=[{"name": "b"}], pair=[1, "x"])
    python = outer.model_dump()
    assert python["big"] == 2**200 and python["at"] == AT and python["colour"] is Colour.GREEN
    assert python["items"] == ({"name": "B", "count": 0},)
    data = outer.model_dump(mode="json", exclude={"tags"})
    assert "tags" not in data
    assert data["big"] == str(2**200)
    assert data["at"] == "2026-12-05T09:30:00Z"
    assert data["colour"] == 2 and data["pair"] == [1, "x"] and data["items"][0]["name"] == "B"
    assert outer.model_dump_json().startswith('{"version":1,"big":"1606938')
    assert Inner.model_validate_json(outer.inner.model_dump_json(indent=2)) == outer.inner


def test_frozen_copies_are_checked_construct_is_not() -> None:
    outer = _outer()
    with pytest.raises(dataclasses.FrozenInstanceError):
        outer.big = 1  # type: ignore[misc]
    assert outer.model_copy(update={"note": "n"}).note == "n"
    with pytest.raises(RecordError, match=r"^big: Input should be greater than 0$"):
        outer.model_copy(update={"big": 0})
    raw = Inner.model_construct(name="lower")
    assert raw.name == "lower" and raw.count == 0
    with pytest.raises(TypeError, match="name is missing"):
        Inner.model_construct()


class _Check(Record):
    low: int
    high: int

    def _check_record(self) -> None:
        if self.low > self.high:
            raise ValueError("low is above high")


def test_checks_across_fields() -> None:
    assert _Check(low=1, high=2).high == 2
    with pytest.raises(RecordError, match=r"^low is above high$"):
        _Check(low=3, high=2)


def test_a_record_inside_a_pydantic_model() -> None:
    from pydantic import BaseModel, ValidationError

    class Holder(BaseModel):
        inner: Inner | None = None

    held = Holder.model_validate({"inner": {"name": "a"}})
    assert held.inner == Inner(name="A")
    assert held.model_dump(mode="json") == {"inner": {"name": "A", "count": 0}}
    assert Holder.model_validate_json(held.model_dump_json()) == held
    with pytest.raises(ValidationError, match="count: 3 is odd"):
        Holder.model_validate({"inner": {"name": "a", "count": 3}})


def test_the_buyers_models_import_no_pydantic() -> None:
    probe = (
        "import sys\n"
        "import fabtrust.certificates._light_verify, fabtrust.certificates.bundle\n"
        "import fabtrust.deployments, fabtrust.evidence.readings, fabtrust.models\n"
        "print('pydantic' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
