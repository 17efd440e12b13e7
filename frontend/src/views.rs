//! Plain view structs: everything a page shows, decided before rendering.

/// What every page carries: the practice's name and the stylesheet's URL.
#[derive(Clone, Debug)]
pub struct Chrome {
    pub practice_name: String,
    pub stylesheet_href: String,
    pub icon_href: String,
}

/// The unlock page shown while the data directory is sealed.
#[derive(Clone, Debug)]
pub struct UnlockView {
    pub chrome: Chrome,
    /// What went wrong with the last attempt, in plain words.
    pub error: Option<String>,
}

/// The page after a successful unlock.
#[derive(Clone, Debug)]
pub struct UnlockedView {
    pub chrome: Chrome,
    /// The one-time owner setup link, when no owner account exists yet.
    pub setup_link: Option<String>,
}

/// A short page with a heading and a few plain sentences: errors, "not found", "locked".
#[derive(Clone, Debug)]
pub struct MessageView {
    pub chrome: Chrome,
    pub title: String,
    pub heading: String,
    pub paragraphs: Vec<String>,
    /// Shown small at the bottom so support can find the log line; never a cause.
    pub reference: Option<String>,
    /// Where the "home page" button leads.
    pub back_href: String,
}
