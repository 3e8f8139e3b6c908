"""Stock import from a CSV file: validate every row, then write all or nothing.

The file is UTF-8 (a byte order mark is allowed) with the header
`location_code,sku_id,quantity` and an optional `lead_time_hours` column.
Commas or semicolons separate the columns, because Excel in Brazilian
Portuguese saves CSV with semicolons. `docs/stock.md` describes the columns.
"""

import csv
import io
import logging
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from franchises.models import Location
from routing.models import StockLevel
from routing.services.stock import StockRow, stock_levels_set

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
# A file this large takes 25 to 35 s to write on SQLite, so files
# over `stock_import_jobs.SYNC_MAX_BYTES` are imported by a background task.
MAX_DATA_ROWS = 200_000
REQUIRED_COLUMNS = ("location_code", "sku_id", "quantity")
OPTIONAL_COLUMNS = ("lead_time_hours",)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
HEADER_HELP = "location_code,sku_id,quantity[,lead_time_hours]"
# Limits of the StockLevel columns: `sku_id` is a CharField(40), `quantity` an
# integer column, and `lead_time_hours` a decimal with 6 digits, 1 of them
# after the point.
MAX_SKU_LENGTH = StockLevel._meta.get_field("sku_id").max_length
MAX_QUANTITY = 2_147_483_647
MAX_LEAD_TIME_HOURS = Decimal("99999.9")

QUANTITY = re.compile(r"^[0-9]+$")
# Hours with an optional decimal part after a point or a comma: 4, 4.5, 4,5.
LEAD_TIME = re.compile(r"^[0-9]+(?:[.,][0-9]+)?$")


@dataclass(frozen=True)
class RowError:
    """One problem in the file. `row` is the row number a spreadsheet shows
    (the header is row 1), or None for a problem with the whole file."""

    row: int | None
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class StockImportResult:
    errors: list[RowError] = field(default_factory=list)
    rows_imported: int = 0
    locations: int = 0
    skus: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class FileRejected(Exception):
    """Raised when the whole file is rejected, with its single error."""

    def __init__(self, error: RowError):
        super().__init__(error.reason)
        self.error = error


def stock_csv_import(*, file, user=None, source: str = "csv") -> StockImportResult:
    """Validate every row of a stock CSV and, if none is wrong, set the stock
    levels of all rows in one `stock_levels_set` call.

    `file` is a binary file object, such as an uploaded file. A file with any
    error imports nothing, and the result lists every error found.
    """
    started = time.monotonic()
    user_id = getattr(user, "pk", None)
    rows, errors = stock_csv_check(file=file)
    if errors:
        logger.info(
            "Stock CSV rejected by user %s: %d errors, first: %s",
            user_id,
            len(errors),
            errors[0].reason,
        )
        return StockImportResult(errors=errors)

    stock_levels_set(rows=rows, source=source)
    result = stock_import_result(rows)
    logger.info(
        "Stock CSV imported by user %s: %d rows, %d locations, %d SKUs, %d ms",
        user_id,
        result.rows_imported,
        result.locations,
        result.skus,
        round((time.monotonic() - started) * 1000),
    )
    return result


def stock_csv_check(*, file) -> tuple[list[StockRow], list[RowError]]:
    """Read and check a stock CSV without writing anything. Returns the rows
    to set when there is no error, and every error otherwise."""
    try:
        text = _read_text(file)
        records = _parse(text)
    except FileRejected as rejected:
        return [], [rejected.error]
    rows, errors = _validate(records)
    if errors:
        return [], errors
    return rows, []


def stock_import_result(rows: list[StockRow]) -> StockImportResult:
    return StockImportResult(
        rows_imported=len(rows),
        locations=len({row.location_id for row in rows}),
        skus=len({row.sku_id for row in rows}),
    )


# Reading ---------------------------------------------------------------------


def _read_text(file) -> str:
    """Read at most MAX_FILE_BYTES + 1 bytes and decode them as UTF-8."""
    size = getattr(file, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise FileRejected(_too_large())
    data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise FileRejected(_too_large())
    if isinstance(data, str):
        return data.removeprefix("\ufeff")

    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad = data[error.start : error.start + 1]
        raise FileRejected(
            RowError(
                row=data[: error.start].count(b"\n") + 1,
                column="",
                value=f"0x{bad.hex().upper()}",
                reason=_(
                    "The file is not UTF-8 text: byte %(byte)s at position "
                    "%(position)d cannot be read. In Excel, save it as "
                    '"CSV UTF-8".'
                )
                % {"byte": f"0x{bad.hex().upper()}", "position": error.start + 1},
            )
        ) from None


def _too_large() -> RowError:
    return RowError(
        row=None,
        column="",
        value="",
        reason=_("The file is larger than %(limit)d MB. Split it into smaller files.")
        % {"limit": MAX_FILE_BYTES // (1024 * 1024)},
    )


@dataclass
class Records:
    """The header as written and as column names (lower case, no spaces
    around), the delimiter, and the data rows, each with its row number."""

    header: list[str]
    columns: list[str]
    delimiter: str
    rows: list[tuple[int, list[str]]]


def _parse(text: str) -> Records:
    if not text.strip():
        raise FileRejected(
            RowError(
                row=None,
                column="",
                value="",
                reason=_(
                    "The file is empty. Its first row must be the header %(header)s."
                )
                % {"header": HEADER_HELP},
            )
        )

    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = None
    rows = []
    row_number = 0
    try:
        for cells in reader:
            row_number += 1
            if header is None:
                header = cells
                continue
            # Excel writes rows of bare delimiters (";;;") after formatted cells,
            # so a row without any value is skipped.
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_DATA_ROWS:
                raise FileRejected(
                    RowError(
                        row=row_number,
                        column="",
                        value="",
                        reason=_(
                            "The file has more than %(limit)s data rows. Split "
                            "it into smaller files."
                        )
                        % {"limit": _number(MAX_DATA_ROWS)},
                    )
                )
            rows.append((row_number, cells))
    except csv.Error as error:
        raise FileRejected(
            RowError(
                row=row_number + 1,
                column="",
                value="",
                reason=_(
                    "The row cannot be read as CSV (%(error)s). Check its "
                    "quotation marks."
                )
                % {"error": error},
            )
        ) from None

    if not rows:
        raise FileRejected(
            RowError(
                row=None,
                column="",
                value="",
                reason=_("The file has a header but no data rows."),
            )
        )
    columns = [cell.strip().lower() for cell in header]
    return Records(header, columns, delimiter, rows)


def _delimiter(text: str) -> str:
    """Return ";" when the header row is split by semicolons, else ","."""
    first_line = text.split("\n", 1)[0]
    return ";" if first_line.count(";") > first_line.count(",") else ","


# Validation ------------------------------------------------------------------


def _validate(records: Records) -> tuple[list[StockRow], list[RowError]]:
    errors = _header_errors(records.header, records.columns)
    if errors:
        # Without a usable header no cell can be matched to its column.
        return [], errors

    location_ids = dict(Location.objects.values_list("code", "pk"))
    first_row_of: dict[tuple[str, str], int] = {}
    rows = []
    for row_number, cells in records.rows:
        if len(cells) != len(records.columns):
            errors.append(_cell_count_error(row_number, cells, records))
            continue
        row, row_errors = _validate_row(
            row_number, cells, records.columns, location_ids, first_row_of
        )
        errors.extend(row_errors)
        if row is not None:
            rows.append(row)
    return rows, errors


def _header_errors(header: list[str], columns: list[str]) -> list[RowError]:
    errors = []
    for position, name in enumerate(columns, start=1):
        if name not in COLUMNS:
            errors.append(
                RowError(
                    row=1,
                    column=name,
                    value=header[position - 1],
                    reason=_(
                        "Unknown column %(name)r in position %(position)d. The "
                        "header must be %(header)s."
                    )
                    % {"name": name, "position": position, "header": HEADER_HELP},
                )
            )
        elif columns.index(name) != position - 1:
            errors.append(
                RowError(
                    row=1,
                    column=name,
                    value=header[position - 1],
                    reason=_("Column %(name)s appears more than once in the header.")
                    % {"name": name},
                )
            )
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            errors.append(
                RowError(
                    row=1,
                    column=name,
                    value="",
                    reason=_("Missing column %(name)s. The header must be %(header)s.")
                    % {"name": name, "header": HEADER_HELP},
                )
            )
    return errors


def _validate_row(
    row_number: int,
    cells: list[str],
    columns: list[str],
    location_ids: dict[str, int],
    first_row_of: dict[tuple[str, str], int],
) -> tuple[StockRow | None, list[RowError]]:
    """Check one data row and return its StockRow, or None and its errors."""
    values = {name: cell.strip() for name, cell in zip(columns, cells, strict=True)}
    errors = []

    def error(column: str, reason: str) -> None:
        errors.append(RowError(row_number, column, values[column], reason))

    code = values["location_code"]
    location_id = location_ids.get(code)
    if not code:
        error("location_code", _("The location code is missing."))
    elif location_id is None:
        error(
            "location_code",
            _("No location has the code %(code)s.") % {"code": code},
        )

    sku_id = values["sku_id"]
    if not sku_id:
        error("sku_id", _("The SKU is missing."))
    elif len(sku_id) > MAX_SKU_LENGTH:
        error(
            "sku_id",
            _("The SKU is longer than %(limit)d characters.")
            % {"limit": MAX_SKU_LENGTH},
        )

    quantity = _quantity(values["quantity"], error)
    lead_time = _lead_time(values.get("lead_time_hours", ""), error)

    if code and sku_id:
        first_row = first_row_of.setdefault((code, sku_id), row_number)
        if first_row != row_number:
            error(
                "sku_id",
                _(
                    "Location %(code)s and SKU %(sku)s already appear in row "
                    "%(row)d. Each location and SKU may appear only once."
                )
                % {"code": code, "sku": sku_id, "row": first_row},
            )

    if errors:
        return None, errors
    row = StockRow(location_id, sku_id, quantity, lead_time)
    return row, []


def _cell_count_error(row_number: int, cells: list[str], records: Records):
    columns = records.columns
    if len(cells) < len(columns):
        missing = columns[len(cells)]
        return RowError(
            row=row_number,
            column=missing,
            value="",
            reason=_(
                "The row has %(found)d columns but the header has %(expected)d; "
                "%(column)s and the columns after it are missing."
            )
            % {"found": len(cells), "expected": len(columns), "column": missing},
        )
    return RowError(
        row=row_number,
        column="",
        value=records.delimiter.join(cells[len(columns) :]),
        reason=_(
            "The row has %(found)d columns but the header has %(expected)d. "
            "Remove the extra values or add their columns to the header."
        )
        % {"found": len(cells), "expected": len(columns)},
    )


def _quantity(text: str, error) -> int | None:
    if not text:
        error("quantity", _("The quantity is missing."))
        return None
    if not QUANTITY.match(text):
        error(
            "quantity",
            _(
                "The quantity must be a whole number of units, 0 or more, "
                "without separators, such as 1500."
            ),
        )
        return None
    quantity = int(text)
    if quantity > MAX_QUANTITY:
        error(
            "quantity",
            _("The quantity is larger than %(limit)s.")
            % {"limit": _number(MAX_QUANTITY)},
        )
        return None
    return quantity


def _lead_time(text: str, error) -> float | None:
    """Hours as a float, or None when the cell is empty (the stored lead time
    is kept then)."""
    if not text:
        return None
    if not LEAD_TIME.match(text):
        error(
            "lead_time_hours",
            _("The lead time must be a number of hours, 0 or more, such as 4 or 2,5."),
        )
        return None

    hours = Decimal(text.replace(",", "."))
    if hours != hours.quantize(Decimal("0.1")):
        error(
            "lead_time_hours",
            _("The lead time may have at most one decimal place, such as 2,5."),
        )
        return None
    if hours > MAX_LEAD_TIME_HOURS:
        error(
            "lead_time_hours",
            _("The lead time is larger than %(limit)s hours.")
            % {"limit": _number(MAX_LEAD_TIME_HOURS, decimal_places=1)},
        )
        return None
    return float(hours)


def _number(value, decimal_places=None) -> str:
    """Format a limit for a message in the active language: 200.000 in pt-BR."""
    return number_format(value, decimal_pos=decimal_places, force_grouping=True)
