# The article page reads its suggestions from here (articles.related) instead of scoring them on each view.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('search', '0003_editors_hide_suggestions'),
    ]

    operations = [
        migrations.CreateModel(
            name='StoredSuggestion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('score', models.PositiveSmallIntegerField()),
                ('computed_at', models.DateTimeField()),
                ('article', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='stored_suggestions', to='articles.article')),
                ('suggestion', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='articles.article')),
            ],
            options={
                'verbose_name': 'stored suggestion',
                'ordering': ['article', 'position'],
                'constraints': [models.UniqueConstraint(fields=('article', 'position'), name='storedsuggestion_unique_position'), models.UniqueConstraint(fields=('article', 'suggestion'), name='storedsuggestion_unique_pair'), models.CheckConstraint(condition=models.Q(('article', models.F('suggestion')), _negated=True), name='storedsuggestion_not_self')],
            },
        ),
    ]
