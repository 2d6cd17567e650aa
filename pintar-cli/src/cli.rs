//! Command-line arguments (clap). Command logic lives in `commands/`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use pintar_core::Frequency;
use pintar_core::options::{DuplicatePolicy, OutlierPolicy};
use std::path::PathBuf;

/// Exit codes, documented in `pintar --help` and the README.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  unexpected failure (a bug here or on the server: please report it)
  2  usage error (unknown flag, bad option value, a prompt with no terminal)
  3  input error (unreadable file, bad data, or the server refused the request as invalid)
  4  output error (cannot write the output file)
  5  authentication needed (not signed in, or the session or API key is no longer valid)
  6  permission denied (the account or API key may not do this)
  7  not found (no such course, run, key, user or certificate)
  8  rate limited (wait and try again)
  9  server unavailable (cannot connect, timed out, or the server is overloaded)
 10  conflict (the server's state forbids it: already enrolled elsewhere, already a developer, ...)

Environment:
  PINTAR_SERVER   server URL (overrides the profile)
  PINTAR_API_KEY  API key to use instead of stored credentials (CI)
  PINTAR_TOKEN    access token to use instead of stored credentials (CI)
  PINTAR_PROFILE  profile to use (default: the config's default profile)
  NO_COLOR        no colours";

/// Pintar Ekspor: learn export trade, and analyse and forecast export data.
#[derive(Debug, Parser)]
#[command(name = "pintar", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// Print nothing but the requested data (no progress, no notes).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Print data as JSON (the API's field names; stable).
    #[arg(long, global = true)]
    pub json: bool,
    /// The configuration profile to use.
    #[arg(long, global = true, env = "PINTAR_PROFILE")]
    pub profile: Option<String>,
    /// The server's URL (overrides the profile's).
    #[arg(long, global = true, env = "PINTAR_SERVER")]
    pub server: Option<String>,
    /// Never store credentials in a file when no OS keyring works: fail instead.
    #[arg(long, global = true)]
    pub no_file_fallback: bool,
    /// Send credentials over plain http:// to another machine without a warning (or set
    /// `allow_http = true` in the profile).
    #[arg(long, global = true, env = "PINTAR_ALLOW_HTTP")]
    pub allow_http: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign up, sign in and out, and show who you are.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Become a developer: get API access and your first API key.
    Upgrade,
    /// Your account: confirm your email, reset a forgotten password, change your email,
    /// your sessions, download your data, delete the account.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Create, list and revoke API keys (developers).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Browse the catalogue, enrol and see your progress.
    #[command(subcommand)]
    Courses(CoursesCommand),
    /// Study the next item of a course: read a lesson, open a video or take a quiz.
    Learn(LearnArgs),
    /// Answer a quiz non-interactively (for scripts).
    Quiz(QuizArgs),
    /// Show or verify course certificates.
    #[command(subcommand)]
    Certificates(CertificatesCommand),
    /// Clean, analyse and forecast a CSV or JSON file of time series (locally, or on the
    /// server with --remote).
    Analyze(AnalyzeArgs),
    /// Score the forecasting models on the last H points of every series.
    Backtest(BacktestArgs),
    /// Past remote analyses: list, show, download reports.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Insights: how learners use the courses (progress, engagement, completion,
    /// activity). `analytics` is the old name of this command.
    #[command(subcommand, visible_alias = "analytics")]
    Insights(InsightsCommand),
    /// Administration: users, courses, the audit log and the email outbox (admins).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Read and change settings and profiles.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `pintar auth …`.
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Create an account (then sign in with `pintar auth login`).
    Register {
        /// Your email.
        #[arg(long)]
        email: Option<String>,
        /// The name others see (default: your email's local part).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sign in; the session is kept in the OS keyring.
    Login {
        /// Your email.
        #[arg(long)]
        email: Option<String>,
        /// Read the password from standard input.
        #[arg(long, conflicts_with = "with_token")]
        password_stdin: bool,
        /// Read an API key (pk_…) from standard input and keep it instead of a session.
        #[arg(long)]
        with_token: bool,
    },
    /// Sign out and forget the stored credentials.
    Logout {
        /// End every session of the account, on every device.
        #[arg(long)]
        everywhere: bool,
    },
    /// Who you are signed in as, where the credentials come from.
    Status,
    /// Print the access token (or API key) for use in other tools.
    Token,
}

/// `pintar account …`.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Confirm your email with the link (or its token) from the confirmation email.
    Verify {
        /// The link from the email, or just its token.
        link: String,
    },
    /// Send a new confirmation link to your address.
    ResendVerification,
    /// Ask for a link that sets a new password (the answer is the same whether or not an
    /// account uses the address).
    ForgotPassword {
        /// The account's email.
        #[arg(long)]
        email: Option<String>,
    },
    /// Set a new password with the link (or its token) from the reset email; every session
    /// of the account ends.
    ResetPassword {
        /// The link from the email, or just its token.
        link: String,
        /// Read the new password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Move your account to another email: a link goes to the new address.
    ChangeEmail {
        /// The new address.
        new_email: String,
        /// Read your current password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Complete a change of email with the link (or its token) sent to the new address.
    ConfirmEmail {
        /// The link from the email, or just its token.
        link: String,
    },
    /// Where your account is signed in.
    Sessions {
        /// Sign out everywhere else (every session but this one).
        #[arg(long)]
        end_others: bool,
    },
    /// Download everything the platform holds about your account, as JSON.
    Export {
        /// Write it to this file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Delete your account and its data for good.
    Delete {
        /// Do not ask for confirmation (scripts; the password is still needed).
        #[arg(long)]
        yes: bool,
        /// Read your current password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// `pintar keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create an API key; its secret is printed this once.
    Create {
        /// A name to recognise it by.
        name: String,
        /// What it may reach: analytics, courses:read, learning (default: all).
        #[arg(long = "scope", value_delimiter = ',')]
        scopes: Vec<String>,
        /// Days until it expires (default: never).
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// Your API keys.
    List,
    /// Revoke a key at once.
    Revoke {
        /// The key's id.
        id: String,
    },
}

/// `pintar courses …`.
#[derive(Debug, Subcommand)]
pub enum CoursesCommand {
    /// The catalogue.
    List(CourseListArgs),
    /// A course and its outline.
    Show {
        /// Course slug or id.
        course: String,
    },
    /// Enrol in a course.
    Enroll {
        /// Course slug or id.
        course: String,
    },
    /// Leave a course.
    Unenroll {
        /// Course slug or id.
        course: String,
    },
    /// Your progress in a course, or in all your courses.
    Progress {
        /// Course slug or id (default: all your enrolments).
        course: Option<String>,
    },
}

/// Catalogue filters.
#[derive(Debug, Args)]
pub struct CourseListArgs {
    /// Words to search for.
    #[arg(long, short = 's')]
    pub search: Option<String>,
    /// Only this level: beginner, intermediate, advanced.
    #[arg(long)]
    pub level: Option<String>,
    /// Only this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// Order: title, published_at, estimated_minutes; prefix - to reverse.
    #[arg(long, allow_hyphen_values = true)]
    pub sort: Option<String>,
    /// Page to show.
    #[arg(long, default_value_t = 1)]
    pub page: u64,
    /// Courses per page (1-100).
    #[arg(long, default_value_t = 20)]
    pub per_page: u64,
    /// Every page.
    #[arg(long, conflicts_with = "page")]
    pub all: bool,
}

/// `pintar learn`.
#[derive(Debug, Args)]
pub struct LearnArgs {
    /// Course slug or id.
    pub course: String,
    /// Do not mark a lesson or video complete after showing it.
    #[arg(long)]
    pub no_complete: bool,
}

/// `pintar quiz`.
#[derive(Debug, Args)]
pub struct QuizArgs {
    /// Course slug or id.
    pub course: String,
    /// The quiz's content id (default: the course's next item, if it is a quiz).
    #[arg(long)]
    pub item: Option<String>,
    /// Answer to each question in order: choice numbers from 1, commas for several
    /// (`--answer 2 --answer 1,3`). Without answers, the questions are printed.
    #[arg(long = "answer", short = 'a')]
    pub answers: Vec<String>,
}

/// `pintar certificates …`.
#[derive(Debug, Subcommand)]
pub enum CertificatesCommand {
    /// Your certificates (from your completed courses).
    Show,
    /// Check a certificate code.
    Verify {
        /// The code, e.g. PE-7K3M-9QXD-2HWA.
        code: String,
    },
}

/// `pintar runs …`.
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// Your remote analyses, newest first.
    List {
        /// Only runs in this state: queued, running, succeeded, failed.
        #[arg(long)]
        status: Option<String>,
        /// Page to show.
        #[arg(long, default_value_t = 1)]
        page: u64,
        /// Runs per page (1-100).
        #[arg(long, default_value_t = 20)]
        per_page: u64,
    },
    /// A run's state and summary.
    Show {
        /// Run id.
        id: String,
    },
    /// A finished run's report (JSON, or the per-period CSV with --csv).
    Download {
        /// Run id.
        id: String,
        /// The per-period table as CSV.
        #[arg(long)]
        csv: bool,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// `pintar insights …`.
#[derive(Debug, Subcommand)]
pub enum InsightsCommand {
    /// Each learner's progress in each course.
    Progress {
        /// Only this learner (user id).
        #[arg(long)]
        user: Option<String>,
    },
    /// How far learners are in each course.
    Courses,
    /// Enrollments, opens and quiz attempts per course.
    Engagement {
        /// From this day (YYYY-MM-DD).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Up to this day (YYYY-MM-DD).
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
    },
    /// Completion rate and drop-off per course.
    Completion,
    /// Daily or weekly activity, with a forecast.
    Activity {
        /// enrollments, content_opens, completions, quiz_attempts, active_learners.
        #[arg(long, default_value = "enrollments")]
        metric: String,
        /// day or week.
        #[arg(long, default_value = "day")]
        interval: String,
        /// Periods to forecast.
        #[arg(long)]
        horizon: Option<u32>,
        /// Periods of history shown in the table (all are in --json).
        #[arg(long, default_value_t = 14)]
        last: usize,
    },
}

/// `pintar admin …`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Accounts.
    #[command(subcommand)]
    Users(AdminUsersCommand),
    /// Course content.
    #[command(subcommand)]
    Courses(AdminCoursesCommand),
    /// The audit trail, newest first.
    Audit {
        /// Only this table (users, courses, api_keys, ...).
        #[arg(long)]
        table: Option<String>,
        /// Only changes by this user id.
        #[arg(long)]
        actor: Option<String>,
        /// Entries to show.
        #[arg(long, default_value_t = 20)]
        limit: u64,
    },
    /// The email outbox, newest first.
    Emails {
        /// Only pending, sending, sent, failed or suppressed.
        #[arg(long)]
        status: Option<String>,
        /// Emails to show.
        #[arg(long, default_value_t = 20)]
        limit: u64,
    },
}

/// `pintar admin users …`.
#[derive(Debug, Subcommand)]
pub enum AdminUsersCommand {
    /// Accounts, filtered.
    List {
        /// Email or name contains.
        #[arg(long, short = 's')]
        search: Option<String>,
        /// Only this role: public, developer, admin.
        #[arg(long)]
        role: Option<String>,
        /// Page to show.
        #[arg(long, default_value_t = 1)]
        page: u64,
        /// Users per page (1-100).
        #[arg(long, default_value_t = 20)]
        per_page: u64,
    },
    /// Change a user's role (by id or email).
    Role {
        /// User id or email.
        user: String,
        /// public, developer or admin.
        role: String,
    },
    /// Disable an account (it stops working on its next request), or enable it again.
    Disable {
        /// User id or email.
        user: String,
        /// Enable instead.
        #[arg(long)]
        enable: bool,
    },
}

/// `pintar admin courses …`.
#[derive(Debug, Subcommand)]
pub enum AdminCoursesCommand {
    /// Create a course from a course document (JSON).
    Import {
        /// The JSON file (`-` for standard input).
        file: PathBuf,
    },
    /// Write a course as a document (JSON).
    Export {
        /// Course slug or id.
        course: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Publish a course.
    Publish {
        /// Course slug or id.
        course: String,
    },
    /// Archive a course (enrolled learners keep it).
    Archive {
        /// Course slug or id.
        course: String,
    },
}

/// `pintar config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print one setting of the profile.
    Get {
        /// server, email, or profile (the default profile's name).
        key: String,
    },
    /// Change one setting of the profile.
    Set {
        /// server, email, or profile.
        key: String,
        /// The new value.
        value: String,
    },
    /// Every setting of every profile.
    List,
}

/// Options shared by `analyze` and `backtest` that steer reading and cleaning.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// The data file: CSV or JSON, long (date,category,value) or wide layout.
    pub file: PathBuf,
    /// Force the frequency instead of detecting it.
    #[arg(long, value_parser = parse_frequency)]
    pub frequency: Option<Frequency>,
    /// How to merge several values for the same period.
    #[arg(long, value_enum, default_value_t = Duplicates::Sum)]
    pub duplicates: Duplicates,
    /// What to do with outliers (IQR rule).
    #[arg(long, value_enum, default_value_t = Outliers::Cap)]
    pub outliers: Outliers,
    /// IQR multiplier for the outlier fences.
    #[arg(long, default_value_t = 1.5)]
    pub iqr: f64,
    /// Date format for unusual dates, strftime style (e.g. "%d/%m/%Y").
    #[arg(long)]
    pub date_format: Option<String>,
    /// Only these series (repeat the flag or separate with commas).
    #[arg(long = "category", short = 'c', value_delimiter = ',')]
    pub categories: Vec<String>,
}

/// `pintar analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Input selection and cleaning.
    #[command(flatten)]
    pub input: InputArgs,
    /// Forecast horizon in periods (default: one season; 5 for yearly data).
    #[arg(long, short = 'H')]
    pub horizon: Option<usize>,
    /// Print the per-period table as CSV (history and forecast).
    #[arg(long)]
    pub csv: bool,
    /// Analyse on the server (needs an API key with the analytics scope or a session);
    /// the run is kept there (`pintar runs`).
    #[arg(long)]
    pub remote: bool,
    /// Write the output to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Do not draw charts.
    #[arg(long)]
    pub no_chart: bool,
    /// Rows shown in the summary table.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

/// `pintar backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Input selection and cleaning.
    #[command(flatten)]
    pub input: InputArgs,
    /// Points held out at the end of every series.
    #[arg(long, short = 'H', default_value_t = 12)]
    pub horizon: usize,
}

/// Duplicate-date policy on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Duplicates {
    /// Add them up.
    Sum,
    /// Average them.
    Mean,
    /// Keep the first in file order.
    First,
    /// Keep the last in file order.
    Last,
}

impl From<Duplicates> for DuplicatePolicy {
    fn from(d: Duplicates) -> Self {
        match d {
            Duplicates::Sum => DuplicatePolicy::Sum,
            Duplicates::Mean => DuplicatePolicy::Mean,
            Duplicates::First => DuplicatePolicy::First,
            Duplicates::Last => DuplicatePolicy::Last,
        }
    }
}

/// Outlier policy on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Outliers {
    /// Pull them back to the fence.
    Cap,
    /// Report them, change nothing.
    Keep,
    /// Drop and interpolate them.
    Remove,
}

impl From<Outliers> for OutlierPolicy {
    fn from(o: Outliers) -> Self {
        match o {
            Outliers::Cap => OutlierPolicy::Cap,
            Outliers::Keep => OutlierPolicy::Keep,
            Outliers::Remove => OutlierPolicy::Remove,
        }
    }
}

fn parse_frequency(s: &str) -> Result<Frequency, String> {
    s.parse()
}
