"""Lint-time stand-ins for dbt's cross-database macros (dbt.dateadd, dbt.datediff, ...)."""


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"({from_date_or_timestamp} + interval ({interval}) {datepart})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def safe_cast(field, type):  # noqa: A002 - dbt's signature
    return f"try_cast({field} as {type})"


def type_string():
    return "varchar"


def type_timestamp():
    return "timestamp"


def type_float():
    return "double"


def type_numeric():
    return "numeric(28, 6)"


def type_bigint():
    return "bigint"


def type_int():
    return "integer"


def type_boolean():
    return "boolean"


def concat(fields):
    return "(" + " || ".join(fields) + ")"


def hash(field):  # noqa: A001
    return f"md5(cast({field} as varchar))"


def split_part(string_text, delimiter_text, part_number):
    return f"split_part({string_text}, {delimiter_text}, {part_number})"


def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    order = f" {order_by_clause}" if order_by_clause else ""
    return f"string_agg({measure}, {delimiter_text}{order})"


def cast_bool_to_text(field):
    return f"cast({field} as varchar)"


def any_value(expression):
    return f"any_value({expression})"


def bool_or(expression):
    return f"bool_or({expression})"


def last_day(date, datepart):
    return f"last_day({date})"


def current_timestamp():
    return "current_timestamp"


def position(substring_text, string_text):
    return f"position({substring_text} in {string_text})"


def replace(field, old_chars, new_chars):
    return f"replace({field}, {old_chars}, {new_chars})"


def length(expression):
    return f"length({expression})"


def right(string_text, length_expression):
    return f"right({string_text}, {length_expression})"


def escape_single_quotes(expression):
    return expression.replace("'", "''")


def string_literal(value):
    return f"'{value}'"


def date(year, month, day):
    return f"make_date({year}, {month}, {day})"
