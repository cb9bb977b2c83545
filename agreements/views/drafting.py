"""Drafting pages: the agreement list, creation, the detail page and section editing."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..selectors import agreement_list as select_agreements
from ..selectors import agreement_with_sections


def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = select_agreements(user=request.user)[:50]
    return render(request, "agreements/agreement_list.html", {"agreements": agreements})


def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_with_sections(user=request.user, pk=pk)
    return render(request, "agreements/agreement_detail.html", {"agreement": agreement})
