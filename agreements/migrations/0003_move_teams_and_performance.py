"""Teams and the performance records move to apps of their own; no table changes."""

import django.db.models.deletion
from django.db import migrations, models

MOVED = {
    "team": "teams",
    "membership": "teams",
    "monthlyactual": "performance",
    "kpiactual": "performance",
    "leadrecord": "performance",
    "leadtally": "performance",
    "leadcolumnmapping": "performance",
    "alert": "performance",
}


def content_types_follow(apps, schema_editor):
    """Permissions and admin log entries keep pointing at the moved models."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        if content_type.objects.filter(app_label=app_label, model=model).exists():
            continue
        content_type.objects.filter(app_label="agreements", model=model).update(
            app_label=app_label
        )


def content_types_return(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        if content_type.objects.filter(app_label="agreements", model=model).exists():
            continue
        content_type.objects.filter(app_label=app_label, model=model).update(
            app_label="agreements"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0002_lead_tally'),
        ('teams', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        # The tables stay where they are: only Django's picture of them moves.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='alert',
                    name='alert_unique_occurrence',
                ),
                migrations.RemoveConstraint(
                    model_name='kpiactual',
                    name='kpi_actual_unique_period',
                ),
                migrations.RemoveField(
                    model_name='leadcolumnmapping',
                    name='series',
                ),
                migrations.RemoveIndex(
                    model_name='leadrecord',
                    name='lead_record_series_mql_at',
                ),
                migrations.RemoveIndex(
                    model_name='leadrecord',
                    name='lead_record_series_type',
                ),
                migrations.RemoveIndex(
                    model_name='leadrecord',
                    name='lead_record_untouched_due',
                ),
                migrations.RemoveConstraint(
                    model_name='leadrecord',
                    name='lead_record_unique_lead',
                ),
                migrations.RemoveConstraint(
                    model_name='leadtally',
                    name='lead_tally_unique_group',
                ),
                migrations.RemoveConstraint(
                    model_name='membership',
                    name='membership_unique_user_team',
                ),
                migrations.RemoveConstraint(
                    model_name='membership',
                    name='membership_role_valid',
                ),
                migrations.RemoveConstraint(
                    model_name='monthlyactual',
                    name='monthly_actual_unique_month',
                ),
                migrations.RemoveConstraint(
                    model_name='monthlyactual',
                    name='monthly_actual_first_of_month',
                ),
                migrations.RemoveConstraint(
                    model_name='monthlyactual',
                    name='monthly_actual_revenue_not_negative',
                ),
                migrations.RemoveConstraint(
                    model_name='team',
                    name='team_side_valid',
                ),
                migrations.AlterField(
                    model_name='agreement',
                    name='marketing_team',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='marketing_agreements', to='teams.team', verbose_name='marketing team'),
                ),
                migrations.AlterField(
                    model_name='signature',
                    name='team',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='signatures', to='teams.team'),
                ),
                migrations.AlterField(
                    model_name='agreement',
                    name='sales_team',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sales_agreements', to='teams.team', verbose_name='sales team'),
                ),
                migrations.RemoveField(
                    model_name='alert',
                    name='agreement',
                ),
                migrations.RemoveField(
                    model_name='alert',
                    name='series',
                ),
                migrations.RemoveField(
                    model_name='kpiactual',
                    name='series',
                ),
                migrations.RemoveField(
                    model_name='kpiactual',
                    name='updated_by',
                ),
                migrations.DeleteModel(
                    name='LeadColumnMapping',
                ),
                migrations.RemoveField(
                    model_name='leadrecord',
                    name='agreement',
                ),
                migrations.RemoveField(
                    model_name='leadrecord',
                    name='series',
                ),
                migrations.RemoveField(
                    model_name='leadtally',
                    name='series',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='team',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='monthlyactual',
                    name='series',
                ),
                migrations.RemoveField(
                    model_name='monthlyactual',
                    name='updated_by',
                ),
                migrations.RemoveField(
                    model_name='team',
                    name='members',
                ),
                migrations.DeleteModel(
                    name='Alert',
                ),
                migrations.DeleteModel(
                    name='KpiActual',
                ),
                migrations.DeleteModel(
                    name='LeadRecord',
                ),
                migrations.DeleteModel(
                    name='LeadTally',
                ),
                migrations.DeleteModel(
                    name='MonthlyActual',
                ),
                migrations.DeleteModel(
                    name='Membership',
                ),
                migrations.DeleteModel(
                    name='Team',
                ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_return),
    ]
