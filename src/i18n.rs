//! User-facing language. English by default; `--lang vi` switches every message, title and
//! remediation text. Texts that come from data files (catalogue titles, rule messages) carry both
//! languages in a [`Text`]; texts written by the program itself come from [`tr`].

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Vi,
}

/// A text in both languages. Data files must give both (checked when they load).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: String,
    pub vi: String,
}

impl Text {
    pub fn new(en: impl Into<String>, vi: impl Into<String>) -> Self {
        Text { en: en.into(), vi: vi.into() }
    }
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Vi => &self.vi,
        }
    }
    pub fn is_complete(&self) -> bool {
        !self.en.trim().is_empty() && !self.vi.trim().is_empty()
    }

    /// `texts` joined by `sep` in each language.
    pub fn join<'a>(texts: impl IntoIterator<Item = &'a Text>, sep: &str) -> Text {
        let (en, vi): (Vec<&str>, Vec<&str>) = texts.into_iter().map(|t| (t.en.as_str(), t.vi.as_str())).unzip();
        Text::new(en.join(sep), vi.join(sep))
    }

    /// Both languages through `f` (e.g. a sanitiser).
    pub fn map(&self, f: impl Fn(&str) -> String) -> Text {
        Text { en: f(&self.en), vi: f(&self.vi) }
    }
}

/// Picks the English or Vietnamese form of a program message.
pub fn tr(lang: Lang, en: &'static str, vi: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Vi => vi,
    }
}
