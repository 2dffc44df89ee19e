"""The authenticated caller, as carried in a session or an access token."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Principal:
    """Who is calling: ``role`` in organizer|city|school|judge|referee|staff;
    ``school_id`` for school coordinators, ``city`` for city associations."""

    id: int
    username: str
    role: str
    display_name: str = ""
    school_id: int | None = None
    city: str | None = None
    must_change_password: bool = False

    @property
    def is_organizer(self) -> bool:
        return self.role == "organizer"

    def can_see_school(self, school_id: int, school_city: str | None) -> bool:
        """Organizers see every school, a city its own schools, a school itself."""
        if self.role == "organizer":
            return True
        if self.role == "city":
            return school_city is not None and school_city == self.city
        if self.role == "school":
            return school_id == self.school_id
        return False

    def to_claims(self) -> dict:
        data = asdict(self)
        data["sub"] = str(data.pop("id"))
        return data

    @classmethod
    def from_claims(cls, claims: dict) -> "Principal":
        return cls(
            id=int(claims["sub"]),
            username=claims["username"],
            role=claims["role"],
            display_name=claims.get("display_name", ""),
            school_id=claims.get("school_id"),
            city=claims.get("city"),
            must_change_password=bool(claims.get("must_change_password")),
        )
