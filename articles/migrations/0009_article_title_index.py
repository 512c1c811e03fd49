from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_published_list_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["title"], name="article_title_idx"),
        ),
    ]
