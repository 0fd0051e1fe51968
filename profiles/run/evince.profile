# evince (a PDF viewer): a window, the documents named on its command line
# read-only, and nothing else of yours; no network.
include default-app
include gui
app-files ro
private-etc default
env GSETTINGS_BACKEND=memory
