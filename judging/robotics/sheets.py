"""Robotics score sheets (记分表) as data, and the score of one run (CONTRACT.md "Robotics").

A challenge's game is a JSON document, not code (fll-sw's challenge descriptions are the model):

``{"items": [{"code", "name", "type": "count"|"yesno"|"choice"|"time", "min"?, "max"?, "points"?,
"options"?: [{"value", "name"?, "points"}], "requires"?: {"item", "at_least"}, "variants"?: [codes]}],
"restrictions"?: [{"items": [codes], "max" | "max_item", "message"}], "bonuses"?: [{"name", "points",
"when": {"item", "at_most"}}], "variants"?: [{"code", "name"}], "rounds", "counted": {"rule":
"best"|"best_sum"|"mean_drop_lowest", "k"?, "drop"?}, "tiebreaks": [...], "time_limit_seconds"?,
"min_total"?}``

Only these keys are read. A sheet checked for storing (``parse_sheet(data, strict=True)``, what
the API and the editor do) refuses any other key with its path and, for a near miss, the key
meant (``items[3].point: 未知的键，是不是 points？``): a key that is not read must not silently
change the game. Sheets already stored are read leniently (``strict=False``).

Scoring rules (each with its source):

- ``count`` adds ``value * points``; negative points are penalties (CONTRACT). ``min``/``max``
  bound the value (default 0 and unbounded).
- ``yesno`` adds ``points`` when true; ``choice`` adds the chosen option's points (CONTRACT).
- ``time`` adds nothing; it is the run's time in seconds, at most the item's ``max`` or the
  sheet's ``time_limit_seconds`` (CONTRACT).
- An item whose ``requires`` is not met (the other item's value below ``at_least``; a yes
  counts as 1) adds nothing (CONTRACT; FLL's "only scores if ..." missions).
- ``time``: the limit is the item's ``max`` or the sheet's ``time_limit_seconds``; a strict
  check refuses a sheet giving both with different values (which one applies would be a guess).
- ``restrictions``: the sum of the listed items' values may not exceed ``max``; a run that
  breaks one is refused with the restriction's own message (fll-sw's restrictions). Instead of
  a number, ``max_item`` names another item whose value is the bound: FLL 2023 M14 "no more
  destinations with audience than audience members delivered" is ``{"items": ["m14b"],
  "max_item": "m14a", "message": "..."}`` (the sum of ``items`` at most ``m14a``'s value).
- ``bonuses``: ``points`` when the ``when`` item is at most ``at_most`` (a bonus for no retries;
  "at least N" is not a bonus condition: use a ``count`` item with ``requires``).
- ``min_total`` (optional): the run total never goes below it; ``"min_total": 0`` is the rule
  books' "a negative total counts as 0" (penalties are still reported as given).
- ``requires``, ``bonuses``, ``restrictions`` and ``max_item`` read an item's value: a count, or a
  yesno (yes = 1). A ``choice`` or ``time`` item has no such value, so a strict check refuses
  them there.
- Points that depend on something else on the field (FLL's "both tables" bonus, a mission that
  only scores together with another): a ``yesno`` item the referee answers ("两张场地的场景颜色
  相同") with its ``points``, and ``requires`` on the item it builds on, e.g. ``{"code": "m02b",
  "type": "yesno", "points": 20, "requires": {"item": "m01", "at_least": 1}}``: it adds its
  points only when answered yes and ``m01`` is done.
- ``variants`` (现场抽签): the task variant drawn for a round; an item listing ``variants``
  applies only in those, and is neither asked for nor scored in the others.
- Every applicable item must be answered: nothing defaults to zero (issue 13: a referee enters
  every item actively).

Scores are :class:`decimal.Decimal`; points may be written as JSON numbers or strings and are
read exactly as written. Pure functions, no database.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Sequence

from app.errors import ValidationFailed
from app.i18n import _

ITEM_TYPES = ("count", "yesno", "choice", "time")
COUNTED_RULES = ("best", "best_sum", "mean_drop_lowest")
TIEBREAK_KEYS = ("time_of_counted", "next_best", "fewer_penalties", "earliest")  # and "round:N"
MAX_ITEMS = 100
MAX_ROUNDS = 20


@dataclass(frozen=True)
class Option:
    value: str
    name: str
    points: Decimal


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    type: str
    minimum: Decimal = Decimal(0)
    maximum: Decimal | None = None
    points: Decimal = Decimal(0)
    options: tuple[Option, ...] = ()
    requires: tuple[str, Decimal] | None = None
    variants: tuple[str, ...] = ()

    def applies(self, variant: str | None) -> bool:
        """Whether the item is played in a round whose drawn variant is ``variant``."""
        return not self.variants or variant in self.variants


@dataclass(frozen=True)
class Restriction:
    """The sum of ``items`` at most ``maximum``, or at most the value of item ``max_item``."""

    items: tuple[str, ...]
    maximum: Decimal
    message: str
    max_item: str | None = None


@dataclass(frozen=True)
class Bonus:
    name: str
    points: Decimal
    item: str
    at_most: Decimal


@dataclass(frozen=True)
class Sheet:
    """A validated score sheet; :func:`parse_sheet` makes one from its JSON form."""

    items: tuple[Item, ...]
    rounds: int
    counted_rule: str
    k: int = 1
    drop: int = 0
    tiebreaks: tuple[str, ...] = ()
    restrictions: tuple[Restriction, ...] = ()
    bonuses: tuple[Bonus, ...] = ()
    variants: tuple[tuple[str, str], ...] = ()
    time_limit: Decimal | None = None
    min_total: Decimal | None = None
    source: dict[str, Any] = field(default_factory=dict, compare=False)

    def item(self, code: str) -> Item:
        return next(i for i in self.items if i.code == code)

    @property
    def time_item(self) -> Item | None:
        return next((i for i in self.items if i.type == "time"), None)


@dataclass(frozen=True)
class RunScore:
    """A run's score: ``score`` (Decimal), ``time_seconds`` (the time item's value or ``None``),
    ``penalties`` (the absolute sum of negative contributions) and each item's points."""

    score: Decimal
    time_seconds: Decimal | None
    penalties: Decimal
    points: dict[str, Decimal]


def _number(value: Any) -> Decimal | None:
    """A JSON number or numeric string as the decimal it is written as; ``None`` if not one."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


class _Problems:
    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def add(self, field_name: str, message: str) -> None:
        self.errors.append({"field": field_name, "message": message})


SHEET_KEYS = (
    "items",
    "restrictions",
    "bonuses",
    "variants",
    "rounds",
    "counted",
    "tiebreaks",
    "time_limit_seconds",
    "min_total",
)
ITEM_KEYS = ("code", "name", "type", "min", "max", "points", "options", "requires", "variants")
OPTION_KEYS = ("value", "name", "points")
REQUIRES_KEYS = ("item", "at_least")
RESTRICTION_KEYS = ("items", "max", "max_item", "message")
BONUS_KEYS = ("name", "points", "when")
WHEN_KEYS = ("item", "at_most")
VARIANT_KEYS = ("code", "name")
COUNTED_KEYS = ("rule", "k", "drop")
VALUED_TYPES = ("count", "yesno")  # items with a value other rules can read (yes = 1)

# near misses people write, and the key they mean (difflib finds the rest)
_MEANT = {
    "point": "points",
    "score": "points",
    "minimum": "min",
    "maximum": "max",
    "option": "options",
    "require": "requires",
    "variant": "variants",
    "max_of": "max_item",
    "at_most_item": "max_item",
    "max_items": "max_item",
    "tiebreak": "tiebreaks",
    "time_limit": "time_limit_seconds",
    "bonus": "bonuses",
    "restriction": "restrictions",
    "round": "rounds",
    "min_score": "min_total",
}


def _unknown_keys(raw: dict[str, Any], allowed: tuple[str, ...], where: str, problems: _Problems) -> None:
    """Record every key of ``raw`` that is not read (``allowed``), naming its path and, for a
    near miss, the key meant."""
    for key in raw:
        if key in allowed:
            continue
        path = f"{where}.{key}" if where else str(key)
        if where.endswith(".when") and key == "at_least":
            problems.add(path, _("{path}：未知的键；奖励条件只能用 at_most（不超过某个数量时加分）。", path=path))
            continue
        meant = _MEANT.get(str(key)) if _MEANT.get(str(key)) in allowed else None
        if meant is None:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.75)
            meant = close[0] if close else None
        if meant is not None:
            problems.add(path, _("{path}：未知的键，是不是 {key}？", path=path, key=meant))
        else:
            problems.add(path, _("{path}：未知的键；这里可用的键：{keys}。", path=path, keys=", ".join(allowed)))


def parse_sheet(data: Any, *, strict: bool = False) -> Sheet:
    """Validate a score sheet's JSON form and return it as a :class:`Sheet`.

    Raises :class:`ValidationFailed` (422) listing every problem as ``{"field": "items[2].max",
    "message"}`` with a translated message naming the item and saying why. ``strict`` (a sheet
    about to be stored) also refuses keys that are not read, a time limit given twice with
    different values, and rules reading the value of an item that has none (a choice, a time)."""
    problems = _Problems()
    if not isinstance(data, dict):
        raise ValidationFailed(_("记分表必须是一个 JSON 对象。"))
    if strict:
        _unknown_keys(data, SHEET_KEYS, "", problems)
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise ValidationFailed(
            _("记分表至少要有一个任务项（items）。"), errors=[{"field": "items", "message": _("至少要有一个任务项。")}]
        )
    if len(raw_items) > MAX_ITEMS:
        problems.add("items", _("任务项不能超过 {n} 个。", n=MAX_ITEMS))
    variant_codes = []
    for i, raw in enumerate(data.get("variants") or []):
        code = str(raw.get("code", "")).strip() if isinstance(raw, dict) else ""
        if strict and isinstance(raw, dict):
            _unknown_keys(raw, VARIANT_KEYS, f"variants[{i}]", problems)
        if not code:
            problems.add(f"variants[{i}].code", _("第 {n} 个抽签方案缺少代码（code）。", n=i + 1))
        else:
            variant_codes.append((code, str(raw.get("name") or code)))
    known_variants = {c for c, _n in variant_codes}
    items: list[Item] = []
    where_of: dict[int, str] = {}  # index in ``items`` -> its place in the JSON, for messages
    seen: set[str] = set()
    for i, raw in enumerate(raw_items):
        where = f"items[{i}]"
        if not isinstance(raw, dict):
            problems.add(where, _("第 {n} 个任务项必须是 JSON 对象。", n=i + 1))
            continue
        code = str(raw.get("code") or "").strip()
        label = code or str(i + 1)
        if strict:
            _unknown_keys(raw, ITEM_KEYS, where, problems)
        if not code:
            problems.add(f"{where}.code", _("第 {n} 个任务项缺少代码（code）。", n=i + 1))
        elif code in seen:
            problems.add(f"{where}.code", _("任务项代码“{code}”重复。", code=code))
        seen.add(code)
        kind = raw.get("type")
        if kind not in ITEM_TYPES:
            problems.add(
                f"{where}.type",
                _("任务项“{code}”的类型必须是 count、yesno、choice 或 time。", code=label),
            )
            continue
        minimum = _number(raw.get("min", 0))
        maximum = _number(raw["max"]) if raw.get("max") is not None else None
        points = _number(raw.get("points", 0))
        if minimum is None:
            problems.add(f"{where}.min", _("任务项“{code}”的最小值（min）必须是数字。", code=label))
            minimum = Decimal(0)
        if raw.get("max") is not None and maximum is None:
            problems.add(f"{where}.max", _("任务项“{code}”的最大值（max）必须是数字。", code=label))
        if maximum is not None and maximum < minimum:
            problems.add(
                f"{where}.max",
                _("任务项“{code}”的最大值 {max} 小于最小值 {min}。", code=label, max=maximum, min=minimum),
            )
        if points is None:
            problems.add(f"{where}.points", _("任务项“{code}”的分值（points）必须是数字。", code=label))
            points = Decimal(0)
        options: list[Option] = []
        if kind == "choice":
            raw_options = raw.get("options")
            if not isinstance(raw_options, list) or not raw_options:
                problems.add(f"{where}.options", _("选择题“{code}”至少要有一个选项（options）。", code=label))
            else:
                values: set[str] = set()
                for j, option in enumerate(raw_options):
                    if strict and isinstance(option, dict):
                        _unknown_keys(option, OPTION_KEYS, f"{where}.options[{j}]", problems)
                    value = str(option.get("value", "")).strip() if isinstance(option, dict) else ""
                    option_points = _number(option.get("points")) if isinstance(option, dict) else None
                    if not value or value in values:
                        problems.add(
                            f"{where}.options[{j}].value",
                            _("选择题“{code}”的第 {n} 个选项缺少取值或取值重复。", code=label, n=j + 1),
                        )
                    if option_points is None:
                        problems.add(
                            f"{where}.options[{j}].points",
                            _("选择题“{code}”的第 {n} 个选项分值必须是数字。", code=label, n=j + 1),
                        )
                    values.add(value)
                    name = str(option.get("name") or value) if isinstance(option, dict) else value
                    options.append(Option(value, name, option_points or Decimal(0)))
        requires = None
        if raw.get("requires") is not None:
            req = raw["requires"]
            if strict and isinstance(req, dict):
                _unknown_keys(req, REQUIRES_KEYS, f"{where}.requires", problems)
            other = str(req.get("item", "")).strip() if isinstance(req, dict) else ""
            at_least = _number(req.get("at_least", 1)) if isinstance(req, dict) else None
            if not other or at_least is None:
                problems.add(
                    f"{where}.requires",
                    _('任务项“{code}”的前提（requires）要写成 {{"item": 代码, "at_least": 数量}}。', code=label),
                )
            else:
                requires = (other, at_least)
        item_variants = tuple(str(v) for v in raw.get("variants") or [])
        for v in item_variants:
            if v not in known_variants:
                problems.add(f"{where}.variants", _("任务项“{code}”用到未定义的抽签方案“{v}”。", code=label, v=v))
        where_of[len(items)] = where
        items.append(
            Item(
                code=code,
                name=str(raw.get("name") or code),
                type=kind,
                minimum=minimum,
                maximum=maximum,
                points=points,
                options=tuple(options),
                requires=requires,
                variants=item_variants,
            )
        )
    codes = {i.code for i in items}
    type_of = {i.code: i.type for i in items}
    for i, item in enumerate(items):
        if item.requires and item.requires[0] not in codes:
            problems.add(
                f"{where_of[i]}.requires",
                _("任务项“{code}”的前提用到不存在的任务项“{other}”。", code=item.code, other=item.requires[0]),
            )
        elif strict and item.requires and type_of[item.requires[0]] not in VALUED_TYPES:
            problems.add(
                f"{where_of[i]}.requires.item",
                _(
                    "任务项“{code}”的前提“{other}”是选择题或用时，没有可比较的数量；前提只能是计数或是否题。",
                    code=item.code,
                    other=item.requires[0],
                ),
            )
        if item.requires and item.requires[0] == item.code:
            problems.add(f"{where_of[i]}.requires", _("任务项“{code}”不能以自己为前提。", code=item.code))
    if sum(1 for i in items if i.type == "time") > 1:
        problems.add("items", _("一张记分表只能有一个用时（time）任务项。"))
    restrictions: list[Restriction] = []
    for j, raw in enumerate(data.get("restrictions") or []):
        where = f"restrictions[{j}]"
        if strict and isinstance(raw, dict):
            _unknown_keys(raw, RESTRICTION_KEYS, where, problems)
        listed = [str(c) for c in raw.get("items") or []] if isinstance(raw, dict) else []
        maximum = _number(raw.get("max")) if isinstance(raw, dict) else None
        max_item = str(raw.get("max_item") or "").strip() or None if isinstance(raw, dict) else None
        message = str(raw.get("message") or "").strip() if isinstance(raw, dict) else ""
        unknown = [c for c in listed if c not in codes]
        if not listed or unknown:
            problems.add(
                f"{where}.items",
                _("第 {n} 条限制用到不存在的任务项：{codes}。", n=j + 1, codes="、".join(unknown) or "—"),
            )
        if max_item is not None and max_item not in codes:
            problems.add(f"{where}.max_item", _("第 {n} 条限制的上限项目“{code}”不存在。", n=j + 1, code=max_item))
        if strict:
            valueless = [
                c for c in [*listed, *([max_item] if max_item else [])] if type_of.get(c, "count") not in VALUED_TYPES
            ]
            if valueless:
                problems.add(
                    f"{where}.items",
                    _(
                        "第 {n} 条限制用到选择题或用时“{codes}”，它们没有可相加的数量；限制只能用计数或是否题。",
                        n=j + 1,
                        codes="、".join(valueless),
                    ),
                )
        if max_item is not None and raw.get("max") is not None:
            problems.add(
                f"{where}.max",
                _("第 {n} 条限制只能有一个上限：写数字上限 max，或写上限项目 max_item，不能两个都写。", n=j + 1),
            )
        elif max_item is None and maximum is None:
            problems.add(
                f"{where}.max",
                _("第 {n} 条限制的上限（max）必须是数字（或用 max_item 写另一个任务项的代码）。", n=j + 1),
            )
        if not message:
            problems.add(f"{where}.message", _("第 {n} 条限制需要一句给裁判看的说明（message）。", n=j + 1))
        restrictions.append(Restriction(tuple(listed), maximum or Decimal(0), message, max_item))
    bonuses: list[Bonus] = []
    for j, raw in enumerate(data.get("bonuses") or []):
        when = raw.get("when") if isinstance(raw, dict) else None
        if strict and isinstance(raw, dict):
            _unknown_keys(raw, BONUS_KEYS, f"bonuses[{j}]", problems)
            if isinstance(when, dict):
                _unknown_keys(when, WHEN_KEYS, f"bonuses[{j}].when", problems)
        points = _number(raw.get("points")) if isinstance(raw, dict) else None
        target = str(when.get("item", "")) if isinstance(when, dict) else ""
        at_most = _number(when.get("at_most", 0)) if isinstance(when, dict) else None
        if points is None or target not in codes or at_most is None:
            problems.add(
                f"bonuses[{j}]",
                _('第 {n} 项奖励要写成 {{"name", "points", "when": {{"item": 代码, "at_most": 数量}}}}。', n=j + 1),
            )
            continue
        if strict and type_of[target] not in VALUED_TYPES:
            problems.add(
                f"bonuses[{j}].when.item",
                _(
                    "第 {n} 项奖励的条件“{code}”是选择题或用时，没有可比较的数量；只能是计数或是否题。",
                    n=j + 1,
                    code=target,
                ),
            )
        bonuses.append(Bonus(str(raw.get("name") or target), points, target, at_most))
    rounds = data.get("rounds", 1)
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= MAX_ROUNDS:
        problems.add("rounds", _("轮次数（rounds）必须是 1 到 {n} 的整数。", n=MAX_ROUNDS))
        rounds = 1
    counted = data.get("counted") or {"rule": "best"}
    if strict and isinstance(counted, dict):
        _unknown_keys(counted, COUNTED_KEYS, "counted", problems)
    rule = counted.get("rule") if isinstance(counted, dict) else None
    k = counted.get("k", 1) if isinstance(counted, dict) else 1
    drop = counted.get("drop", 0) if isinstance(counted, dict) else 0
    if rule not in COUNTED_RULES:
        problems.add("counted.rule", _("计分规则（counted.rule）必须是 best、best_sum 或 mean_drop_lowest。"))
        rule = "best"
    if rule == "best_sum" and (not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= rounds):
        problems.add("counted.k", _("best_sum 的 k 必须是 1 到轮次数 {n} 之间的整数。", n=rounds))
        k = 1
    if rule == "mean_drop_lowest" and (not isinstance(drop, int) or isinstance(drop, bool) or not 0 <= drop < rounds):
        problems.add("counted.drop", _("mean_drop_lowest 的 drop 必须是 0 到 {n} 之间的整数。", n=rounds - 1))
        drop = 0
    tiebreaks = []
    for j, key in enumerate(data.get("tiebreaks") or []):
        key = str(key)
        if key in TIEBREAK_KEYS:
            tiebreaks.append(key)
        elif key.startswith("round:") and key[6:].isdigit() and 1 <= int(key[6:]) <= rounds:
            tiebreaks.append(key)
        else:
            problems.add(
                f"tiebreaks[{j}]",
                _(
                    "排名依据“{key}”无效，可选：time_of_counted、next_best、round:N、fewer_penalties、earliest。",
                    key=key,
                ),
            )
    time_limit = _number(data["time_limit_seconds"]) if data.get("time_limit_seconds") is not None else None
    if data.get("time_limit_seconds") is not None and (time_limit is None or time_limit <= 0):
        problems.add("time_limit_seconds", _("时间限制（time_limit_seconds）必须是正数。"))
        time_limit = None
    timed = next((i for i in items if i.type == "time"), None)
    if strict and timed is not None and timed.maximum is not None and time_limit is not None:
        if timed.maximum != time_limit:
            problems.add(
                f"{where_of[items.index(timed)]}.max",
                _(
                    "用时任务项“{code}”的最大值 {max} 秒与记分表的时间限制 time_limit_seconds {limit} 秒不一致，"
                    "不清楚以哪个为准：请只写其中一个，或把两者写成相同的秒数。",
                    code=timed.code,
                    max=timed.maximum,
                    limit=time_limit,
                ),
            )
    min_total = _number(data["min_total"]) if data.get("min_total") is not None else None
    if data.get("min_total") is not None and min_total is None:
        problems.add("min_total", _("每轮总分下限（min_total）必须是数字，例如 0：总分为负时按 0 分计。"))
    if problems.errors:
        raise ValidationFailed(
            _("记分表有 {n} 处问题：{first}", n=len(problems.errors), first=problems.errors[0]["message"]),
            errors=problems.errors,
        )
    return Sheet(
        items=tuple(items),
        rounds=rounds,
        counted_rule=rule,
        k=k if rule == "best_sum" else 1,
        drop=drop if rule == "mean_drop_lowest" else 0,
        tiebreaks=tuple(tiebreaks),
        restrictions=tuple(restrictions),
        bonuses=tuple(bonuses),
        variants=tuple(variant_codes),
        time_limit=time_limit,
        min_total=min_total,
        source=data,
    )


def _answer(item: Item, raw: Any, problems: _Problems, limit: Decimal | None) -> Decimal | None:
    """The value a referee entered for ``item`` as a Decimal (yes = 1, a choice's points), or
    ``None`` after recording what is wrong with it."""
    where = f"items.{item.code}"
    if item.type == "yesno":
        if isinstance(raw, bool):
            return Decimal(1 if raw else 0)
        problems.add(where, _("“{name}”请选择是或否。", name=item.name))
        return None
    if item.type == "choice":
        option = next((o for o in item.options if o.value == str(raw)), None)
        if option is None:
            problems.add(
                where,
                _("“{name}”的选项只能是 {values}。", name=item.name, values="、".join(o.value for o in item.options)),
            )
        return None if option is None else Decimal(0)
    value = _number(raw)
    if value is None:
        problems.add(where, _("“{name}”必须填写数字。", name=item.name))
        return None
    if item.type == "count" and value != value.to_integral_value():
        problems.add(where, _("“{name}”必须是整数。", name=item.name))
        return None
    if value < item.minimum or (item.maximum is not None and value > item.maximum):
        top = item.maximum if item.maximum is not None else "∞"
        problems.add(
            where,
            _("“{name}”的值 {value} 超出范围 {min}–{max}。", name=item.name, value=value, min=item.minimum, max=top),
        )
        return None
    if item.type == "time" and limit is not None and value > limit:
        problems.add(where, _("“{name}”{value} 秒超过时间限制 {limit} 秒。", name=item.name, value=value, limit=limit))
        return None
    return value


def score_run(sheet: Sheet, values: Mapping[str, Any], variant: str | None = None) -> RunScore:
    """Score one run from the referee's ``values`` (``{item code: value}``) under the round's
    drawn ``variant`` (``None`` when the sheet has none).

    Raises :class:`ValidationFailed` (422) with ``errors = [{"field": "items.<code>", "message"}]``
    when an applicable item is missing or out of range, an unknown item is given, or a
    restriction fails (its own message)."""
    problems = _Problems()
    if sheet.variants and variant not in {c for c, _n in sheet.variants}:
        problems.add(
            "variant", _("请先记录本轮抽到的方案（{codes}）。", codes="、".join(c for c, _n in sheet.variants))
        )
        raise ValidationFailed(problems.errors[0]["message"], errors=problems.errors)
    playing = [i for i in sheet.items if i.applies(variant)]
    known = {i.code for i in sheet.items}
    for code in values:
        if code not in known:
            problems.add(f"items.{code}", _("记分表中没有任务项“{code}”。", code=code))
    entered: dict[str, Decimal] = {}
    for item in playing:
        if item.code not in values or values[item.code] is None or values[item.code] == "":
            problems.add(f"items.{item.code}", _("“{name}”还没有填写。", name=item.name))
            continue
        limit = item.maximum if item.maximum is not None else sheet.time_limit
        value = _answer(item, values[item.code], problems, limit)
        if value is not None:
            entered[item.code] = value
    if problems.errors:
        raise ValidationFailed(
            _("这一轮还不能提交：{first}", first=problems.errors[0]["message"]), errors=problems.errors
        )
    for restriction in sheet.restrictions:
        total = sum((entered.get(c, Decimal(0)) for c in restriction.items), Decimal(0))
        bound = entered.get(restriction.max_item, Decimal(0)) if restriction.max_item else restriction.maximum
        if total > bound:
            problems.add("items." + ",".join(restriction.items), restriction.message)
    if problems.errors:
        raise ValidationFailed(problems.errors[0]["message"], errors=problems.errors)

    def counts(value: Decimal | None) -> Decimal:
        return value if value is not None else Decimal(0)

    points: dict[str, Decimal] = {}
    for item in playing:
        if item.requires and counts(entered.get(item.requires[0])) < item.requires[1]:
            points[item.code] = Decimal(0)
            continue
        value = entered[item.code]
        if item.type == "count":
            points[item.code] = value * item.points
        elif item.type == "yesno":
            points[item.code] = item.points if value else Decimal(0)
        elif item.type == "choice":
            chosen = str(values[item.code])
            points[item.code] = next(o.points for o in item.options if o.value == chosen)
        else:
            points[item.code] = Decimal(0)
    for bonus in sheet.bonuses:
        if bonus.item in entered and entered[bonus.item] <= bonus.at_most:
            points[f"bonus:{bonus.name}"] = bonus.points
    time_item = sheet.time_item
    time_value = entered.get(time_item.code) if time_item and time_item.applies(variant) else None
    penalties = -sum((p for p in points.values() if p < 0), Decimal(0))
    total = sum(points.values(), Decimal(0))
    if sheet.min_total is not None and total < sheet.min_total:
        total = sheet.min_total  # "a negative total counts as 0"
    return RunScore(score=total, time_seconds=time_value, penalties=penalties, points=points)


def required_items(sheet: Sheet, variant: str | None) -> Sequence[Item]:
    """The items a referee must answer in a round with ``variant`` drawn, in sheet order."""
    return [i for i in sheet.items if i.applies(variant)]


def normalized(sheet: Sheet, values: Mapping[str, Any], variant: str | None = None) -> dict[str, Any]:
    """The referee's ``values`` as stored, the same whatever the entry path (tablet, run page,
    API): a count as a whole number, a time as a number (``87.4``, ``90``), a yes/no as a boolean,
    a choice as its option's value. Values :func:`score_run` accepted; anything else (an item not
    played in this variant, left empty) is kept as given."""
    out: dict[str, Any] = dict(values)
    for item in sheet.items:
        if item.code not in values or not item.applies(variant):
            continue
        raw = values[item.code]
        if item.type == "yesno":
            if isinstance(raw, bool):
                out[item.code] = raw
            continue
        if item.type == "choice":
            option = next((o for o in item.options if o.value == str(raw)), None)
            if option is not None:
                out[item.code] = option.value
            continue
        number = _number(raw)
        if number is None:
            continue
        if number == number.to_integral_value():
            out[item.code] = int(number)
        elif item.type == "time":
            out[item.code] = float(number)  # a JSON number; read back exactly (repr) by _number
    return out
