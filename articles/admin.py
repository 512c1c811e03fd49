from django.contrib import admin

from .models import Article, Region, Section

admin.site.register(Article)
admin.site.register(Section)
admin.site.register(Region)
