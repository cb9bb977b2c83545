"""Actuals, leads, tallies, mappings and alerts move here from agreements; tables keep names."""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('agreements', '0003_move_teams_and_performance'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables stay where they are: only Django's picture of them moves.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='LeadColumnMapping',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('mapping', models.JSONField(default=dict, verbose_name='mapping')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('series', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='lead_column_mapping', to='agreements.agreementseries')),
                    ],
                    options={
                        'verbose_name': 'lead column mapping',
                        'verbose_name_plural': 'lead column mappings',
                        'db_table': 'agreements_leadcolumnmapping',
                    },
                ),
                migrations.CreateModel(
                    name='Alert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('lead_breach', 'Hand-off breach'), ('kpi_at_risk', 'KPI at risk'), ('kpi_missed', 'KPI missed'), ('deadline_overdue', 'Deadline overdue')], max_length=24, verbose_name='kind')),
                        ('occurrence', models.CharField(max_length=200, verbose_name='occurrence')),
                        ('message', models.TextField(verbose_name='message')),
                        ('details', models.JSONField(blank=True, default=dict, verbose_name='details')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='raised')),
                        ('emailed_at', models.DateTimeField(blank=True, null=True, verbose_name='emailed')),
                        ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='resolved')),
                        ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='agreements.agreement')),
                        ('series', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='agreements.agreementseries')),
                    ],
                    options={
                        'verbose_name': 'alert',
                        'verbose_name_plural': 'alerts',
                        'db_table': 'agreements_alert',
                        'ordering': ['-created_at', 'pk'],
                        'constraints': [models.UniqueConstraint(fields=('series', 'kind', 'occurrence'), name='alert_unique_occurrence')],
                    },
                ),
                migrations.CreateModel(
                    name='KpiActual',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kpi_name', models.CharField(max_length=120, verbose_name='KPI')),
                        ('period_start', models.DateField(verbose_name='period start')),
                        ('value', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='value')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('series', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='kpi_actuals', to='agreements.agreementseries')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'KPI actual',
                        'verbose_name_plural': 'KPI actuals',
                        'db_table': 'agreements_kpiactual',
                        'ordering': ['series', 'kpi_name', 'period_start'],
                        'constraints': [models.UniqueConstraint(fields=('series', 'kpi_name', 'period_start'), name='kpi_actual_unique_period')],
                    },
                ),
                migrations.CreateModel(
                    name='LeadRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('lead_id', models.CharField(max_length=100, verbose_name='lead ID')),
                        ('lead_type', models.CharField(max_length=80, verbose_name='lead type')),
                        ('mql_at', models.DateTimeField(verbose_name='became MQL')),
                        ('first_touch_at', models.DateTimeField(blank=True, null=True, verbose_name='first touch')),
                        ('attempts', models.PositiveIntegerField(default=0, verbose_name='attempts')),
                        ('outcome', models.CharField(blank=True, max_length=40, verbose_name='outcome')),
                        ('limit_hours', models.DecimalField(decimal_places=2, max_digits=6, verbose_name='limit (business hours)')),
                        ('due_at', models.DateTimeField(verbose_name='due')),
                        ('response_hours', models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, verbose_name='response (business hours)')),
                        ('invalid_rejection', models.BooleanField(default=False, verbose_name='rejection without a valid reason')),
                        ('imported_at', models.DateTimeField(auto_now=True, verbose_name='imported')),
                        ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='lead_records', to='agreements.agreement')),
                        ('series', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='leads', to='agreements.agreementseries')),
                    ],
                    options={
                        'verbose_name': 'lead record',
                        'verbose_name_plural': 'lead records',
                        'db_table': 'agreements_leadrecord',
                        'ordering': ['series', 'mql_at', 'pk'],
                        'indexes': [models.Index(fields=['series', 'mql_at'], name='lead_record_series_mql_at'), models.Index(fields=['series', 'lead_type'], name='lead_record_series_type'), models.Index(condition=models.Q(('first_touch_at__isnull', True)), fields=['series', 'due_at'], name='lead_record_untouched_due')],
                        'constraints': [models.UniqueConstraint(fields=('series', 'lead_id'), name='lead_record_unique_lead')],
                    },
                ),
                migrations.CreateModel(
                    name='LeadTally',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('lead_type', models.CharField(max_length=80, verbose_name='lead type')),
                        ('month', models.DateField(verbose_name='month')),
                        ('zone', models.CharField(max_length=64, verbose_name='time zone')),
                        ('outcome', models.CharField(blank=True, max_length=40, verbose_name='outcome')),
                        ('invalid_rejection', models.BooleanField(default=False, verbose_name='rejection without a valid reason')),
                        ('touched_met', models.PositiveIntegerField(default=0, verbose_name='touched within the limit')),
                        ('touched_breached', models.PositiveIntegerField(default=0, verbose_name='touched after the limit')),
                        ('untouched', models.PositiveIntegerField(default=0, verbose_name='untouched')),
                        ('series', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lead_tallies', to='agreements.agreementseries')),
                    ],
                    options={
                        'verbose_name': 'lead tally',
                        'verbose_name_plural': 'lead tallies',
                        'db_table': 'agreements_leadtally',
                        'ordering': ['series', 'month', 'lead_type', 'outcome', 'invalid_rejection'],
                        'constraints': [models.UniqueConstraint(fields=('series', 'lead_type', 'month', 'outcome', 'invalid_rejection'), name='lead_tally_unique_group')],
                    },
                ),
                migrations.CreateModel(
                    name='MonthlyActual',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField(help_text='The first day of the month.', verbose_name='month')),
                        ('leads', models.PositiveIntegerField(default=0, verbose_name='leads')),
                        ('mqls', models.PositiveIntegerField(default=0, verbose_name='MQLs')),
                        ('sqls', models.PositiveIntegerField(default=0, verbose_name='SQLs')),
                        ('customers', models.PositiveIntegerField(default=0, verbose_name='customers won')),
                        ('revenue', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='revenue won')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('series', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='monthly_actuals', to='agreements.agreementseries')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'monthly actual',
                        'verbose_name_plural': 'monthly actuals',
                        'db_table': 'agreements_monthlyactual',
                        'ordering': ['series', 'month'],
                        'constraints': [models.UniqueConstraint(fields=('series', 'month'), name='monthly_actual_unique_month'), models.CheckConstraint(condition=models.Q(('month__day', 1)), name='monthly_actual_first_of_month'), models.CheckConstraint(condition=models.Q(('revenue__gte', 0)), name='monthly_actual_revenue_not_negative')],
                    },
                ),
            ],
        ),
    ]
