"""One display format per kind of value, for every page (Django's FORMAT_MODULE_PATH).

Dates read "1 Jan 2027" and times "29 Nov 2026, 12:25 UTC": unambiguous whatever the reader's
country, and a time always names its zone. Input formats stay Django's English ones.
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i T"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
FIRST_DAY_OF_WEEK = 1  # Monday, as the business calendars count weeks.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
