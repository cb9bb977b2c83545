"""MACs on signatures and audit events and a hash chain per series; existing rows are sealed."""

import django.utils.timezone
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


def seal_existing(apps, schema_editor):
    """Seal what the database holds now, so that from here on any change to it shows."""
    from agreements import integrity

    series_model = apps.get_model("agreements", "AgreementSeries")
    event_model = apps.get_model("agreements", "AgreementEvent")
    signature_model = apps.get_model("agreements", "Signature")
    for series in series_model.objects.order_by("pk").iterator():
        series.event_head, series.event_count = integrity.GENESIS, 0
        events = event_model.objects.filter(agreement__series_id=series.pk).order_by("pk")
        for event in events.iterator():
            integrity.event_seal(event, series)
            event_model.objects.filter(pk=event.pk).update(
                previous_hash=event.previous_hash, mac_key_id=event.mac_key_id, mac=event.mac
            )
        if series.event_count == 0:
            series.event_head_key_id, series.event_head_mac = integrity.mac_of(
                integrity.head_payload(series.pk, 0, integrity.GENESIS)
            )
        series.save(
            update_fields=["event_head", "event_count", "event_head_key_id", "event_head_mac"]
        )
    for signature in signature_model.objects.order_by("pk").iterator():
        integrity.signature_seal(signature)
        signature.save(update_fields=["mac_key_id", "mac"])


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0003_move_teams_and_performance'),
    ]

    operations = [
        migrations.AddField(
            model_name='agreementevent',
            name='mac',
            field=models.CharField(blank=True, max_length=64, verbose_name='MAC'),
        ),
        migrations.AddField(
            model_name='agreementevent',
            name='mac_key_id',
            field=models.CharField(blank=True, max_length=32, verbose_name='MAC key'),
        ),
        migrations.AddField(
            model_name='agreementevent',
            name='previous_hash',
            field=models.CharField(blank=True, max_length=64, verbose_name='previous event hash'),
        ),
        migrations.AddField(
            model_name='agreementseries',
            name='event_count',
            field=models.PositiveIntegerField(default=0, verbose_name='audit events'),
        ),
        migrations.AddField(
            model_name='agreementseries',
            name='event_head',
            field=models.CharField(blank=True, max_length=64, verbose_name='latest event hash'),
        ),
        migrations.AddField(
            model_name='agreementseries',
            name='event_head_key_id',
            field=models.CharField(blank=True, max_length=32, verbose_name='MAC key'),
        ),
        migrations.AddField(
            model_name='agreementseries',
            name='event_head_mac',
            field=models.CharField(blank=True, max_length=64, verbose_name='MAC'),
        ),
        migrations.AddField(
            model_name='signature',
            name='mac',
            field=models.CharField(blank=True, max_length=64, verbose_name='MAC'),
        ),
        migrations.AddField(
            model_name='signature',
            name='mac_key_id',
            field=models.CharField(blank=True, max_length=32, verbose_name='MAC key'),
        ),
        migrations.AlterField(
            model_name='agreementevent',
            name='created_at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='time'),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
        pgtrigger.migrations.AddTrigger(
            model_name='agreementevent',
            trigger=pgtrigger.compiler.Trigger(name='audit_event_append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='4676e62ea94568fbd6fd63490ce0a2d8b89de065', operation='UPDATE OR DELETE', pgid='pgtrigger_audit_event_append_only_d258e', table='agreements_agreementevent', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='signature',
            trigger=pgtrigger.compiler.Trigger(name='signature_never_deleted', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;", hash='705e8e21aab44c08be544e415b0c494425eac167', operation='DELETE', pgid='pgtrigger_signature_never_deleted_2c0d8', table='agreements_signature', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='signature',
            trigger=pgtrigger.compiler.Trigger(name='signature_facts_read_only', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."agreement_id" IS DISTINCT FROM (NEW."agreement_id") OR OLD."team_id" IS DISTINCT FROM (NEW."team_id") OR OLD."user_id" IS DISTINCT FROM (NEW."user_id") OR OLD."typed_name" IS DISTINCT FROM (NEW."typed_name") OR OLD."signed_at" IS DISTINCT FROM (NEW."signed_at") OR OLD."ip_address" IS DISTINCT FROM (NEW."ip_address") OR OLD."user_agent" IS DISTINCT FROM (NEW."user_agent") OR OLD."version" IS DISTINCT FROM (NEW."version") OR OLD."digest" IS DISTINCT FROM (NEW."digest") OR OLD."mac_key_id" IS DISTINCT FROM (NEW."mac_key_id") OR OLD."mac" IS DISTINCT FROM (NEW."mac"))', func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;", hash='cb63983e173aa4ef10595b043697b4e3c32d50b8', operation='UPDATE', pgid='pgtrigger_signature_facts_read_only_44e8d', table='agreements_signature', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='signature',
            trigger=pgtrigger.compiler.Trigger(name='signature_voided_once', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."voided_at" IS NOT NULL)', func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;", hash='a808086bc5d6c20f51250828a2a3cfb753306ab3', operation='UPDATE', pgid='pgtrigger_signature_voided_once_fa72f', table='agreements_signature', when='BEFORE')),
        ),
    ]
