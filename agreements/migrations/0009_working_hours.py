"""Working hours per weekday: every agreement's calendar moves into ``working_hours`` unchanged."""


from django.db import migrations, models

import agreements.models.agreement
import agreements.working_hours


def fill_working_hours(apps, schema_editor):
    """Each agreement's single daily interval on each of its working days, as it was."""
    Agreement = apps.get_model("agreements", "Agreement")
    for agreement in Agreement.objects.only("pk", "workdays", "day_start", "day_end").iterator():
        hours = agreements.working_hours.uniform_hours(
            agreement.workdays or [], agreement.day_start, agreement.day_end
        )
        Agreement.objects.filter(pk=agreement.pk).update(working_hours=hours)


def keep_summary(apps, schema_editor):
    """Going back keeps workdays, day_start and day_end, which were never dropped."""


class Migration(migrations.Migration):
    dependencies = [("agreements", "0008_event_kinds_corrections")]

    operations = [
        migrations.AddField(
            model_name="agreement",
            name="working_hours",
            field=models.JSONField(
                default=agreements.models.agreement.default_working_hours,
                help_text='Per ISO weekday, intervals such as {"1": [["09:00", "12:00"]]}.',
                validators=[agreements.working_hours.validate_working_hours],
                verbose_name="working hours",
            ),
        ),
        migrations.RunPython(fill_working_hours, keep_summary, elidable=False),
    ]


