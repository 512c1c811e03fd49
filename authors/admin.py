from django.contrib import admin

from .models import Author, Institution

admin.site.register(Author)
admin.site.register(Institution)
