from django import template

from articles.dashboard import dashboard

register = template.Library()


@register.inclusion_tag("admin/includes/dashboard.html", takes_context=True)
def newsroom_dashboard(context):
    return {"panels": dashboard(context["request"].user), "request": context["request"]}
