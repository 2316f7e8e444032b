"""Dates known to a year, a month or a day.

A date is stored as a ``DateField`` holding the first day of the period plus a
precision. It is shown and exported at that precision: "2016",
"December 2022", "19 December 2017"; ISO "2016", "2022-12", "2017-12-19".
"""

import datetime
import re
from dataclasses import dataclass

from django.db import models
from django.db.models import Q


class Precision(models.TextChoices):
    YEAR = "year", "Year"
    MONTH = "month", "Month"
    DAY = "day", "Day"


_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class PartialDate:
    date: datetime.date
    precision: str

    @classmethod
    def parse(cls, text):
        """Parse "YYYY", "YYYY-MM" or "YYYY-MM-DD"; raise ValueError otherwise."""
        match = _ISO.match(str(text).strip())
        if not match:
            raise ValueError(f"{text!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = match.groups()
        if day:
            return cls(datetime.date(int(year), int(month), int(day)), Precision.DAY)
        if month:
            return cls(datetime.date(int(year), int(month), 1), Precision.MONTH)
        return cls(datetime.date(int(year), 1, 1), Precision.YEAR)

    def isoformat(self):
        return iso_at_precision(self.date, self.precision)

    def __str__(self):
        return display_at_precision(self.date, self.precision)


def iso_at_precision(date, precision):
    if date is None:
        return ""
    if precision == Precision.YEAR:
        return f"{date.year:04d}"
    if precision == Precision.MONTH:
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat()


def display_at_precision(date, precision):
    if date is None:
        return ""
    if precision == Precision.YEAR:
        return str(date.year)
    if precision == Precision.MONTH:
        return date.strftime("%B %Y")
    return f"{date.day} {date:%B %Y}"


def truncate(date, precision):
    """The first day of the period that ``date`` falls in."""
    if precision == Precision.YEAR:
        return date.replace(month=1, day=1)
    if precision == Precision.MONTH:
        return date.replace(day=1)
    return date


def precision_condition(date_field, precision_field, *, nullable=False):
    """A check-constraint condition: the date is the first day of its period."""
    condition = (
        Q(**{precision_field: Precision.DAY})
        | Q(**{precision_field: Precision.MONTH, f"{date_field}__day": 1})
        | Q(**{precision_field: Precision.YEAR, f"{date_field}__month": 1, f"{date_field}__day": 1})
    )
    if nullable:
        condition |= Q(**{f"{date_field}__isnull": True})
    return condition


def precision_error(date, precision):
    """The editor-facing message when ``date`` is not the start of its period."""
    if date is None or precision == Precision.DAY:
        return None
    if precision == Precision.MONTH and date.day != 1:
        return "A date known only to the month must be the first day of that month."
    if precision == Precision.YEAR and (date.month, date.day) != (1, 1):
        return "A date known only to the year must be 1 January of that year."
    return None
