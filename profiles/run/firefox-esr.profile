# firefox-esr: a window, an empty home (or its own, with home persist), the
# network, and its own sandbox ON: its content processes run in user, pid and
# network namespaces of their own, which hutch's seccomp profile allows
# here (seccomp/browser.json) and nowhere else. Never --no-sandbox.
include default-app
include gui
network auto
seccomp ../seccomp/browser.json
env GSETTINGS_BACKEND=memory
