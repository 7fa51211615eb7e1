"""protovalidate rules as JSON Schema keywords, and when a request field is required."""

from __future__ import annotations

import pytest
from buf.validate import validate_pb2
from openapigen.rules import field_constraints

FieldRules = validate_pb2.FieldRules


def test_string_rules_map_to_keywords() -> None:
    rules = FieldRules(
        string=validate_pb2.StringRules(min_len=2, max_len=9, pattern="^[a-z]+$", uuid=True)
    )
    assert field_constraints(rules).keywords == {
        "minLength": 2,
        "maxLength": 9,
        "pattern": "^[a-z]+$",
        "format": "uuid",
    }


def test_several_string_patterns_all_apply() -> None:
    rules = FieldRules(string=validate_pb2.StringRules(prefix="a.", suffix="!"))
    keywords = field_constraints(rules).keywords
    assert keywords["pattern"] == "^a\\."
    assert keywords["allOf"] == [{"pattern": "!$"}]


def test_in_and_not_in() -> None:
    rules = FieldRules(string=validate_pb2.StringRules(**{"in": ["a", "b"], "not_in": ["c"]}))
    assert field_constraints(rules).keywords == {"enum": ["a", "b"], "not": {"enum": ["c"]}}


def test_numeric_bounds() -> None:
    rules = FieldRules(double=validate_pb2.DoubleRules(gt=0, lte=10, finite=True))
    constraints = field_constraints(rules)
    assert constraints.keywords == {"exclusiveMinimum": 0, "maximum": 10}
    assert constraints.words == ["Must be finite (not NaN or Infinity)."]


def test_an_outside_range_is_described_not_mapped() -> None:
    rules = FieldRules(int32=validate_pb2.Int32Rules(lt=0, gt=10))
    constraints = field_constraints(rules)
    assert constraints.keywords == {}
    assert constraints.words == ["Must not lie between 0 and 10."]


def test_repeated_and_map_rules() -> None:
    repeated = FieldRules(
        repeated=validate_pb2.RepeatedRules(
            min_items=1,
            max_items=3,
            unique=True,
            items=FieldRules(string=validate_pb2.StringRules(max_len=5)),
        )
    )
    constraints = field_constraints(repeated)
    assert constraints.keywords == {"minItems": 1, "maxItems": 3, "uniqueItems": True}
    assert constraints.items is not None and constraints.items.keywords == {"maxLength": 5}
    pairs = FieldRules(map=validate_pb2.MapRules(max_pairs=4))
    assert field_constraints(pairs).keywords == {"maxProperties": 4}


def test_cel_rules_are_described_with_their_id() -> None:
    rules = FieldRules(
        cel=[validate_pb2.Rule(id="x.y", message="must be odd", expression="this % 2 == 1")]
    )
    assert field_constraints(rules).words == ["Must be odd (rule `x.y`)."]


@pytest.mark.parametrize(
    ("rules", "required"),
    [
        (FieldRules(string=validate_pb2.StringRules(min_len=1)), True),
        (FieldRules(string=validate_pb2.StringRules(max_len=10)), False),
        (FieldRules(string=validate_pb2.StringRules(email=True)), True),
        (FieldRules(string=validate_pb2.StringRules(**{"in": ["", "a"]})), False),
        (FieldRules(string=validate_pb2.StringRules(**{"in": ["a"]})), True),
        (FieldRules(string=validate_pb2.StringRules(pattern="^$|^[0-9]+$")), False),
        (FieldRules(string=validate_pb2.StringRules(pattern="^[0-9]+$")), True),
        (FieldRules(bool=validate_pb2.BoolRules(const=True)), True),
        (FieldRules(int32=validate_pb2.Int32Rules(gte=0, lte=5)), False),
        (FieldRules(int32=validate_pb2.Int32Rules(gte=1)), True),
        (FieldRules(double=validate_pb2.DoubleRules(gt=0)), True),
        (FieldRules(repeated=validate_pb2.RepeatedRules(min_items=1)), True),
        (FieldRules(repeated=validate_pb2.RepeatedRules(max_items=1)), False),
        (
            FieldRules(
                string=validate_pb2.StringRules(min_len=1),
                ignore=validate_pb2.IGNORE_IF_ZERO_VALUE,
            ),
            False,
        ),
    ],
)
def test_a_field_is_required_when_its_zero_value_breaks_a_rule(
    rules: FieldRules, required: bool
) -> None:
    assert field_constraints(rules).zero_breaks_rule is required


def test_ignore_always_drops_every_rule() -> None:
    rules = FieldRules(
        string=validate_pb2.StringRules(min_len=3), ignore=validate_pb2.IGNORE_ALWAYS
    )
    constraints = field_constraints(rules)
    assert constraints.keywords == {} and not constraints.zero_breaks_rule
