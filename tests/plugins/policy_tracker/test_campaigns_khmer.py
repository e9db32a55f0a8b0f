"""The campaign pages render in Khmer (a Khmer-speaking organisation's default)."""
from core.models import Role
from tests.helpers import login, make_member, make_tenant
from tests.plugins.policy_tracker.campaign_helpers import make_campaign, make_law, make_recommendation


def test_pages_render_in_khmer(client):
    tenant = make_tenant("takeo-ngo", "Takeo NGO", default_locale="km")
    campaign = make_campaign(tenant, "យុទ្ធនាការច្បាប់ព័ត៌មាន")
    rec = make_recommendation(tenant, make_law(), text_km="ការលើកលែងត្រូវតែតូចចង្អៀត", text_en="")
    staff = make_member(tenant, Role.STAFF)
    login(client, staff.email)
    base = f"/t/{tenant.slug}/policy/campaigns"
    for url in (f"{base}/", f"{base}/{campaign.id}", f"{base}/recommendations/", f"{base}/recommendations/{rec.id}",
                f"{base}/activities/", f"{base}/activities/new", f"{base}/taken-up", f"/t/{tenant.slug}/policy/exports/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'lang="km"' in response.get_data(as_text=True) or "ការ" in response.get_data(as_text=True)
