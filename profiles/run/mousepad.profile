# mousepad (a text editor): a window, the files named on its command line
# (writable, in place), and nothing else of yours; no network.
include default-app
include gui
app-files rw
private-etc default
env GSETTINGS_BACKEND=memory
