# gui: what a program with windows needs from the desktop: the X display's
# socket, and DISPLAY.
socket x11
