from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("imagecore", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="AuditEntry",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("at", models.DateTimeField(db_index=True)),
                ("actor_role", models.TextField()),
                ("actor_name", models.TextField()),
                ("action", models.TextField()),
                ("user_id", models.TextField()),
                ("slot", models.TextField(null=True)),
                ("before_key", models.TextField(null=True)),
                ("after_key", models.TextField(null=True)),
                ("before_hash", models.TextField(null=True)),
                ("after_hash", models.TextField(null=True)),
                ("detail", models.TextField()),
            ],
            options={
                "verbose_name": "audit record",
                "db_table": "imagecore_audit_log",
                "indexes": [
                    models.Index(fields=["user_id", "id"], name="imagecore_audit_log_user")
                ],
            },
        ),
    ]
