from django.urls import path

from hsb_pathway import views

app_name = "hsb_pathway"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("<uuid:public_id>/strategy/", views.strategy, name="strategy"),
    path("<uuid:public_id>/strategy/record/", views.strategy_edit, name="strategy_edit"),
    path("<uuid:public_id>/assessments/", views.assessments, name="assessments"),
    path("<uuid:public_id>/assessments/add/", views.assessment_add, name="assessment_add"),
    path("<uuid:public_id>/interventions/", views.interventions, name="interventions"),
    path("<uuid:public_id>/interventions/add/", views.intervention_edit, name="intervention_add"),
    path("<uuid:public_id>/interventions/<uuid:item_id>/", views.intervention_edit, name="intervention_edit"),
    path("<uuid:public_id>/reviews/", views.reviews, name="reviews"),
    path("<uuid:public_id>/reviews/add/", views.review_add, name="review_add"),
    path("<uuid:public_id>/reviews/adult-services/", views.adult_transition, name="adult_transition"),
    path("<uuid:public_id>/reviews/<uuid:item_id>/", views.review_outcome, name="review_outcome"),
    path("<uuid:public_id>/stage/<slug:name>/", views.stage_move, name="stage_move"),
    path("<uuid:public_id>/orders/", views.orders, name="orders"),
    path("<uuid:public_id>/orders/add/", views.order_edit, name="order_add"),
    path("<uuid:public_id>/orders/<uuid:order_id>/", views.order_detail, name="order_detail"),
    path("<uuid:public_id>/orders/<uuid:order_id>/edit/", views.order_edit, name="order_edit"),
    path("<uuid:public_id>/orders/<uuid:order_id>/events/add/", views.order_event_add, name="order_event_add"),
]
