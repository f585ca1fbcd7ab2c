from django.db import migrations, models


def add_label_clerks(apps, schema_editor):
    # The label station is for this group's members and supervisors (compliance/station_desk.py).
    apps.get_model("auth", "Group").objects.get_or_create(name="Label clerks")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("compliance", "0006_print_job_claim_and_download"),
    ]

    operations = [
        migrations.AddField(
            model_name="printjob",
            name="reason",
            field=models.CharField(
                blank=True,
                help_text="Why a label was printed again (torn, smudged…).",
                max_length=200,
            ),
        ),
        migrations.RunPython(add_label_clerks, migrations.RunPython.noop),
    ]
