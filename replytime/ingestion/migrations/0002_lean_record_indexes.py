# The record table's redundant indexes go (docs/performance.md, import). The foreign-key
# indexes are dropped by name rather than by AlterField, which on SQLite would copy the whole
# record table twice: a long, disk-hungry upgrade for a database of millions of records.

import django.db.models.deletion
from django.db import migrations, models

# Django's names for the foreign-key indexes of 0001 (the same on SQLite and PostgreSQL).
_FK_INDEXES = {
    "ingestion_record_account_id_a4c83c36": "account_id",
    "ingestion_record_mailbox_id_bd0d1df4": "mailbox_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("ingestion", "0001_initial"),
        ("mailboxes", "0003_task_worker"),
        ("tenancy", "0002_web_app"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="record",
            name="record_acct_msgid",
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "ingestion_record" ("{column}")',
                )
                for name, column in _FK_INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="record",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="tenancy.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="record",
                    name="mailbox",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="records",
                        to="mailboxes.mailbox",
                    ),
                ),
            ],
        ),
    ]
