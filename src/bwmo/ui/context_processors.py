def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    organisations = list(user.organisations.all())
    if getattr(request, "bwmo_two_factor_pending", False):
        # Between password and second factor (bwmo.accounts.middleware): no screens yet.
        return {"nav": {}, "user_organisations": list(user.organisations.all())}
    return {
        "nav": {
            "clients": user.has_perm("clients.view_personal_data"),
            "register_client": user.has_perm("clients.add_client"),
            "worklist": user.has_perm("toegang.view_melding"),
            "audit": user.has_perm("audit.view_accesslogentry"),
            "finance": user.has_perm("finance.view_finance"),
            "monitor": user.has_perm("monitor.view_monitor"),
            "forecast": user.has_perm("forecast.view_forecast"),
            "messages": user.has_perm("messaging.exchange_iwmo"),
            "contracts": user.has_perm("care.view_contract"),
            "beheer": user.is_staff,
            # The provider portal: a provider's user with the right to see its clients.
            "portal": user.has_perm("clients.view_personal_data")
            and any(o.kind == "aanbieder" and o.provider_id for o in organisations),
        },
        "user_organisations": organisations,
    }
