"""Uploads waiting for their second step move from a folder on one server to the database."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0003_move_teams_and_performance'),
        ('performance', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PendingUpload',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name='token')),
                ('kind', models.CharField(choices=[('actuals', 'Monthly actuals awaiting approval'), ('leads', 'Leads awaiting a column mapping')], max_length=16, verbose_name='kind')),
                ('content', models.BinaryField(verbose_name='content')),
                ('file_name', models.CharField(blank=True, max_length=255, verbose_name='file name')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded')),
                ('expires_at', models.DateTimeField(db_index=True, verbose_name='expires')),
                ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='agreements.agreement')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'pending upload',
                'verbose_name_plural': 'pending uploads',
                'ordering': ['-created_at', 'pk'],
            },
        ),
    ]
