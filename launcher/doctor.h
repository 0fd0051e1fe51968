/* doctor.h: `hutch doctor`, one line per check with its fix. */
#pragma once

int doctor_run(void);
