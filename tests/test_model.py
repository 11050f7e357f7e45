"""Dates with precision and quantities as intervals."""

import pytest

from treatykb.model import (compare_dates, format_quantity, intervals_disjoint, parse_date,
                            parse_number, quantity_interval)


def test_date_precisions_are_kept():
    d = parse_date("1987-12-08")
    assert (d.precision, d.text, d.lo == d.hi) == ("day", "1987-12-08", True)
    m = parse_date("2019-02")
    assert m.precision == "month" and m.iso_lo() == "2019-02-01" and m.iso_hi() == "2019-02-28"
    y = parse_date("1981")
    assert y.precision == "year" and y.iso_hi() == "1981-12-31"
    a = parse_date("1976~")
    assert a.approx and a.precision == "year"
    i = parse_date("2019-02-01/2019-02-02")
    assert i.precision == "interval" and i.iso_lo() == "2019-02-01" and i.iso_hi() == "2019-02-02"


@pytest.mark.parametrize("bad", ["2019-02-30", "2019-13", "19-01-01", "2019/2018", "2019-02-02/2019-02-01",
                                 "yesterday", "2019-1-5", "0000", "2019-02-29"])
def test_impossible_dates_are_rejected(bad):
    with pytest.raises(ValueError):
        parse_date(bad)


def test_leap_day_exists_in_leap_years():
    assert parse_date("2020-02-29").precision == "day"


def test_month_precise_date_is_not_known_to_precede_a_day_inside_it():
    assert compare_dates(parse_date("2019-02"), parse_date("2019-02-10")) == "overlap"
    assert compare_dates(parse_date("2019-01"), parse_date("2019-02-10")) == "before"
    assert compare_dates(parse_date("2019-02-02"), parse_date("2019-02-02")) == "same"


@pytest.mark.parametrize("text,hint", [("1,550", "without separators"), ("010", "leading zeros"),
                                       ("1e3", "exponent"), ("abc", "plain decimal")])
def test_numbers_are_plain_decimals(text, hint):
    with pytest.raises(ValueError, match=hint):
        parse_number(text)


def test_quantity_intervals_and_band_edges():
    band = quantity_interval({"ge": 500, "le": 1000, "unit": "km"})
    assert not intervals_disjoint(band, quantity_interval({"value": 500, "unit": "km"}))
    assert intervals_disjoint(band, quantity_interval({"lt": 500, "unit": "km"}))
    upper = quantity_interval({"gt": 1000, "le": 5500, "unit": "km"})
    assert intervals_disjoint(upper, quantity_interval({"value": 1000, "unit": "km"}))
    assert not intervals_disjoint(upper, quantity_interval({"value": 5500, "unit": "km"}))
    # units convert: 300 mi is about 483 km, inside no band
    assert intervals_disjoint(band, quantity_interval({"value": 300, "unit": "mi"}))


def test_quantity_text():
    assert format_quantity({"gt": 500, "unit": "km"}) == "> 500 km"
    assert format_quantity({"ge": 500, "le": 1000, "unit": "km"}) == ">= 500 and <= 1000 km"
    assert format_quantity({"value": 2350, "unit": "km", "approx": True}) == "~2350 km"
