"""The authenticated caller, as carried in a session or an access token."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from app.region_codes import region_code_of


@dataclass(frozen=True)
class Principal:
    """Who is calling: ``role`` in organizer|city|school|judge|referee|staff;
    ``school_id`` for school coordinators; ``region_code`` (GB/T 2260) and its name
    ``city`` for city associations; ``token_version`` the account's version when the token or
    session was issued (a newer one revokes it)."""

    id: int
    username: str
    role: str
    display_name: str = ""
    school_id: int | None = None
    city: str | None = None
    must_change_password: bool = False
    region_code: str | None = None
    token_version: int = 0  # the account's version when this was issued (app.revocation)

    @property
    def is_organizer(self) -> bool:
        return self.role == "organizer"

    def can_see_school(self, school_id: int, school_region: str | None) -> bool:
        """Organizers see every school, a city its own schools (by region code: the
        school's ``region``), a school itself."""
        if self.role == "organizer":
            return True
        if self.role == "city":
            return school_region is not None and school_region == self.region_code
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
            # sessions and tokens issued before regions carry only the city's name
            region_code=claims.get("region_code") or region_code_of(claims.get("city")),
            token_version=int(claims.get("token_version") or 0),
        )
