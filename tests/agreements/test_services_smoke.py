from agreements.exchange import agreement_export
from agreements.selectors import agreement_load_sections


def test_template_agreement_exports_the_worked_example(agreement):
    """The standard template carries the worked example from SLA-DOMAIN.md."""
    export = agreement_export(agreement_load_sections(agreement.pk))
    assert export["funnel"]["plan"]["customers"] == 30
    assert export["funnel"]["plan"]["leads"] == 1500
    assert export["funnel"]["plan"]["per_month"]["leads"] == 500
    assert len(export["kpis"]) == 5
