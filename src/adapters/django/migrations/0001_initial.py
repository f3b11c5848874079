import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="UserImagesRecord",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="imagecore_images",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("profile_image", models.JSONField(null=True)),
                ("cover_image", models.JSONField(null=True)),
                ("version", models.PositiveBigIntegerField()),
            ],
            options={
                "verbose_name": "user's images",
                "verbose_name_plural": "users' images",
                "db_table": "imagecore_user_images",
            },
        ),
    ]
