//! Lines for the terminal that never panic. `println!` and `eprintln!` panic when their stream
//! is a closed pipe (`stampede run … | head`, a log reader that quit), and a panic there would
//! lose a run's `--out` file or a server's last save. [`outln!`] and [`errln!`] drop what a
//! closed stream cannot take; where it matters (a run's summary), [`write_out`] returns the
//! error to its caller.

use std::fmt;
use std::io::Write as _;

/// Writes to stdout and flushes.
pub(crate) fn write_out(args: fmt::Arguments<'_>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)?;
    out.flush()
}

/// Writes a line to stdout; a closed stdout drops it.
pub(crate) fn line_out(args: fmt::Arguments<'_>) {
    let _ = write_out(format_args!("{args}\n"));
}

/// Writes a line to stderr; a closed stderr drops it.
pub(crate) fn line_err(args: fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(format_args!("{args}\n"));
}

/// `println!` that drops what a closed stdout cannot take, instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::console::line_out(format_args!($($arg)*))
    };
}

/// `eprintln!` that drops what a closed stderr cannot take, instead of panicking.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::console::line_err(format_args!($($arg)*))
    };
}

pub(crate) use {errln, outln};
