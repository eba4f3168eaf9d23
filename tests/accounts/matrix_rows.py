from tests.matrix import FORBIDDEN, LOGIN, MISSING, OK, REDIRECT, Spec, everyone, public, role_page


def member_kwargs(world, target):
    member = world.extra.get("member")
    return {"public_id": member.public_id if target == "own" else MISSING}


def member_admin(persona, target):
    if persona == "anonymous":
        return LOGIN
    if persona != "owner_admin":
        return FORBIDDEN
    return OK if target == "own" else 404


def sysadmin_only(persona, target):
    # Everyone but a staff user is sent to the admin's login, which redirects to ours: never the admin.
    return REDIRECT


SPECS = [
    Spec("home", everyone()),
    Spec("accounts:login", public()),
    Spec("accounts:verify", everyone(REDIRECT)),
    Spec("accounts:enrol", everyone(REDIRECT)),
    Spec("accounts:logout", everyone(REDIRECT), method="post", isolated=True),
    Spec("accounts:backup_codes", everyone(OK), method="post"),
    Spec("accounts:preferences", everyone()),
    Spec("accounts:password_reset", public()),
    Spec("accounts:password_reset_done", public()),
    Spec("accounts:password_reset_confirm", public(), lambda w, t: {"uidb64": "MQ", "token": "not-a-token"}),
    Spec("accounts:password_reset_complete", public()),
    Spec("accounts:members", role_page({"owner_admin"})),
    Spec("accounts:member_add", role_page({"owner_admin"})),
    Spec("accounts:member_edit", member_admin, member_kwargs, ("own", "missing")),
    Spec("accounts:member_deactivate", member_admin, member_kwargs, ("own", "missing")),
    Spec("admin:index", sysadmin_only),
]
