# mpv (a media player): a window and sound, the files named on its command
# line read-only, the GPU where there is one; no network, no camera.
include default-app
include gui
app-files ro
socket pulseaudio
socket pipewire
device dri
novideo
nou2f
private-etc default,mpv
