"""On a phone the list comes first: every list's filters fold behind one "Filters" control, which
stays open while the filters narrow the list (so the user sees what is applied)."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FILTER_FORM = re.compile(r'<form class="filters" method="get"')


def test_every_filter_form_is_folded_in_a_filter_panel():
    unfolded = []
    for path in [*ROOT.glob("core/templates/**/*.html"), *ROOT.glob("plugins/*/templates/**/*.html")]:
        text = path.read_text(encoding="utf-8")
        for found in FILTER_FORM.finditer(text):
            before = text[:found.start()]
            if before.rfind("{% call filter_panel") <= before.rfind("{% endcall %}"):
                unfolded.append(str(path.relative_to(ROOT)))
    assert unfolded == []


def test_the_panel_is_closed_until_a_filter_is_used(staff_client, tenant):
    closed = staff_client.get(f"/t/{tenant.slug}/contacts/").text
    assert '<details class="filters-panel">' in closed and "Filters (in use)" not in closed
    assert '<details class="filters-panel">' in staff_client.get(f"/t/{tenant.slug}/contacts/?page=1").text
    narrowed = staff_client.get(f"/t/{tenant.slug}/contacts/?q=Dara").text
    assert '<details class="filters-panel" open>' in narrowed and "Filters (in use)" in narrowed
