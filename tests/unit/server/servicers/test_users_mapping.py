"""PATCH /api/users/me's body and update mask -> the profile changes the use case applies."""

from __future__ import annotations

from google.protobuf import field_mask_pb2
from huntaze.v1 import users_pb2

from server.servicers.users import requested_changes


def request(mask: list[str] | None = None, **values: object) -> users_pb2.UpdateMeRequest:
    name = values.pop("name", None)
    message = users_pb2.UpdateMeRequest(profile=users_pb2.CreatorProfile(**values))
    if name is not None:
        message.name = name
    if mask is not None:
        message.update_mask.CopyFrom(field_mask_pb2.FieldMask(paths=mask))
    return message


def test_without_a_mask_every_field_given_a_value_is_set() -> None:
    name, changes = requested_changes(request(name="Ava", timezone="Europe/Paris", niches=["yoga"]))
    assert name == "Ava"
    assert changes == {"timezone": "Europe/Paris", "niches": ("yoga",)}


def test_without_a_mask_empty_values_keep_what_is_stored() -> None:
    assert requested_changes(request(bio="", niches=[])) == (None, {})


def test_a_mask_sets_exactly_its_fields_and_empty_values_clear() -> None:
    name, changes = requested_changes(
        request(["profile.niches", "profile.bio"], bio="", niches=[], timezone="Europe/Paris")
    )
    assert name is None
    assert changes == {"niches": (), "bio": ""}


def test_a_mask_naming_the_profile_replaces_all_of_it() -> None:
    _, changes = requested_changes(request(["profile"], bio="Yoga"))
    assert changes["bio"] == "Yoga"
    assert changes["niches"] == () and changes["timezone"] == ""
    assert len(changes) == 7


def test_a_mask_without_name_leaves_a_given_name_alone() -> None:
    assert requested_changes(request(["profile.bio"], name="Ava", bio="x")) == (None, {"bio": "x"})
