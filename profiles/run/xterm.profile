# xterm: a terminal whose shell sees the system read-only and an empty home:
# nothing of your files, no network.
include default-app
include gui
