"""Payout statement exports: CSV, XLSX (openpyxl) and PDF (reportlab).

Every text cell of the CSV and XLSX files goes through `spreadsheet_safe`,
because order ids and descriptions come from outside Ponte. A spreadsheet
runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
as a formula. Amounts are written by Ponte itself: as numbers in XLSX, and as
text with a decimal comma in CSV, where a negative amount keeps its sign.
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from finance.models_statements import PayoutStatement

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would read as a formula."""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_amount(amount: Decimal) -> str:
    """Format 1234.5 as 1234,50: no grouping, a decimal comma."""
    return f"{amount:.2f}".replace(".", ",")


@dataclass(frozen=True)
class ExportData:
    """Content of every export format: a header, the totals by type and the
    entries behind them."""

    title: str
    header: list[tuple[str, str]]
    summary: list[tuple[str, Decimal]]
    line_columns: list[str]
    lines: list[tuple[str, str, str, Decimal, Decimal]]
    entry_columns: list[str]
    entries: list[tuple[str, str, str, str, str, Decimal, Decimal]]


def export_data(statement: PayoutStatement, entries) -> ExportData:
    period = statement.period
    entity = statement.legal_entity
    header = [
        (_("Legal entity"), entity.legal_name),
        (_("CNPJ"), entity.cnpj),
        (_("Period"), f"{period.starts_on:%d/%m/%Y} – {period.ends_on:%d/%m/%Y}"),
        (_("Status"), str(statement.get_status_display())),
    ]
    summary = [
        (_("Opening balance"), statement.opening_balance),
        (_("Entries"), statement.entries_total),
        (_("Closing balance"), statement.closing_balance),
        (_("Amount to pay"), statement.amount_to_pay),
    ]
    lines = [
        (
            line.kind_label,
            line.entry_type,
            _("Yes") if line.is_late else _("No"),
            line.debit,
            line.credit,
        )
        for line in statement.lines.all()
    ]
    rows = []
    for entry in entries:
        posted = entry.transaction
        rows.append(
            (
                timezone.localtime(posted.occurred_at).strftime("%d/%m/%Y %H:%M"),
                posted.order.vtex_order_id if posted.order else "",
                str(posted.get_kind_display()),
                entry.entry_type,
                posted.description,
                entry.debit,
                entry.credit,
            )
        )
    return ExportData(
        title=_("Payout statement"),
        header=header,
        summary=summary,
        line_columns=[_("Kind"), _("Entry type"), _("Late"), _("Debit"), _("Credit")],
        lines=lines,
        entry_columns=[
            _("Occurred"),
            _("Order"),
            _("Kind"),
            _("Entry type"),
            _("Description"),
            _("Debit"),
            _("Credit"),
        ],
        entries=rows,
    )


def _cell(value) -> str:
    if isinstance(value, Decimal):
        return csv_amount(value)
    return spreadsheet_safe(value)


def statement_csv(data: ExportData) -> bytes:
    """Semicolon-separated UTF-8 with a byte order mark, as spreadsheets set
    to Brazilian Portuguese expect."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_cell(data.title)])
    for label, value in data.header:
        writer.writerow([_cell(label), _cell(value)])
    for label, amount in data.summary:
        writer.writerow([_cell(label), _cell(amount)])
    writer.writerow([])
    writer.writerow([_cell(column) for column in data.line_columns])
    for row in data.lines:
        writer.writerow([_cell(value) for value in row])
    writer.writerow([])
    writer.writerow([_cell(column) for column in data.entry_columns])
    for row in data.entries:
        writer.writerow([_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(value):
    if isinstance(value, Decimal):
        return value
    return spreadsheet_safe(value)


def statement_xlsx(data: ExportData) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _xlsx_cell(_("Statement"))[:31]
    sheet.append([_xlsx_cell(data.title)])
    for label, value in data.header:
        sheet.append([_xlsx_cell(label), _xlsx_cell(value)])
    for label, amount in data.summary:
        sheet.append([_xlsx_cell(label), amount])
    sheet.append([])
    sheet.append([_xlsx_cell(column) for column in data.line_columns])
    for row in data.lines:
        sheet.append([_xlsx_cell(value) for value in row])
    sheet.append([])
    sheet.append([_xlsx_cell(column) for column in data.entry_columns])
    for row in data.entries:
        sheet.append([_xlsx_cell(value) for value in row])
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
            elif isinstance(cell.value, str):
                # openpyxl stores a string that starts with "=" as a formula
                # unless its data type is set to text.
                cell.data_type = "s"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def statement_pdf(data: ExportData) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table
    from reportlab.platypus.tables import TableStyle

    from orders.templatetags.orders_display import brl

    styles = getSampleStyleSheet()
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ]
    )

    def text(value) -> str:
        return brl(value) if isinstance(value, Decimal) else str(value)

    def paragraph(value) -> Paragraph:
        # Paragraph reads a small markup language, so text is escaped first.
        escaped = (
            str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        )
        return Paragraph(escaped, styles["BodyText"])

    story = [Paragraph(data.title, styles["Title"])]
    story.append(Table([[label, value] for label, value in data.header], hAlign="LEFT"))
    story.append(Spacer(0, 8))
    story.append(
        Table([[label, text(amount)] for label, amount in data.summary], hAlign="LEFT")
    )
    story.append(Spacer(0, 12))
    story.append(
        Table(
            [data.line_columns]
            + [[text(value) for value in row] for row in data.lines],
            style=grid,
            hAlign="LEFT",
            repeatRows=1,
        )
    )
    story.append(Spacer(0, 12))
    story.append(
        Table(
            [data.entry_columns]
            + [
                [text(value) for value in row[:4]]
                + [paragraph(row[4])]
                + [text(value) for value in row[5:]]
                for row in data.entries
            ],
            style=grid,
            hAlign="LEFT",
            repeatRows=1,
            colWidths=[75, 110, 80, 80, 250, 70, 70],
        )
    )
    output = io.BytesIO()
    document = SimpleDocTemplate(output, pagesize=landscape(A4), title=data.title)
    document.build(story)
    return output.getvalue()
