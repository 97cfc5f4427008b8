//! What findings say, as data: the engine records *which* reason applies and its values, and the
//! text is written in the reader's language only when a report is rendered. One table below holds
//! both languages of every program-written reason, so they cannot drift apart.

use crate::dates::format as day;
use crate::i18n::{Lang, Text};
use crate::inventory::{AssessmentKind, AttestationStatus};
use time::Date;

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Already written in both languages (rule messages, evidence gaps).
    Text(Text),
    NoAttestation,
    /// Attested as partial, planned or not implemented.
    AttestedAs(AttestationStatus),
    NotApplicable {
        reason: String,
    },
    Implemented {
        evidence: String,
        reviewed: Date,
    },
    NoEvidenceReference,
    NoReviewDate,
    ReviewedAfterEvaluation {
        reviewed: Date,
    },
    Stale {
        reviewed: Date,
        months: u32,
        until: Date,
    },
    WaiverExpired {
        expires: Date,
    },
    /// An `assessments:` entry shows the control (no attestation was given).
    Recorded {
        kind: AssessmentKind,
        date: Date,
        by: Option<String>,
    },
    /// A serious incident was detected after the evidence was dated.
    StaleAfterIncident {
        reviewed: Date,
        detected: Date,
    },
    /// No yearly submission since the deadline before the latest one.
    DeadlineMissed {
        sent: Date,
        deadline: Date,
    },
    /// The last submission came after the latest deadline: it counts for the next one.
    SentAfterDeadline {
        sent: Date,
        deadline: Date,
    },
    /// Sent on time for the latest yearly deadline.
    SentOnTime {
        evidence: String,
        sent: Date,
        deadline: Date,
    },
    /// Evidence dated after the system went live, where it had to come first.
    AfterGoLive {
        dated: Date,
        operating_since: Date,
    },
    NoEvidence,
    NotInCatalogue {
        control: String,
        catalogue: String,
    },
}

fn vi_status(s: AttestationStatus) -> &'static str {
    match s {
        AttestationStatus::Implemented => "đã triển khai",
        AttestationStatus::Partial => "triển khai một phần",
        AttestationStatus::Planned => "đang lập kế hoạch",
        AttestationStatus::NotImplemented => "chưa triển khai",
        AttestationStatus::NotApplicable => "không áp dụng",
    }
}

impl Message {
    pub fn render(&self, lang: Lang) -> String {
        use Message::*;
        let vi = lang == Lang::Vi;
        match self {
            Text(t) => t.get(lang).to_string(),
            NoAttestation if vi => "chưa có xác nhận (trạng thái, bằng chứng, ngày rà soát) cho biện pháp này".into(),
            NoAttestation => "no attestation (status, evidence, review date) for this control".into(),
            AttestedAs(s) if vi => format!("tự xác nhận ở trạng thái {}", vi_status(*s)),
            AttestedAs(s) => format!("attested as {}", s.as_str()),
            NotApplicable { reason } if vi => format!("xác nhận không áp dụng: {reason}"),
            NotApplicable { reason } => format!("attested not applicable: {reason}"),
            Implemented { evidence, reviewed } if vi => {
                format!("xác nhận đã triển khai ({evidence}), rà soát ngày {}", day(*reviewed))
            }
            Implemented { evidence, reviewed } => {
                format!("attested implemented ({evidence}), reviewed {}", day(*reviewed))
            }
            NoEvidenceReference if vi => {
                "xác nhận đã triển khai nhưng không nêu `evidence:` (tài liệu bằng chứng)".into()
            }
            NoEvidenceReference => "attested implemented but without an `evidence:` reference".into(),
            NoReviewDate if vi => "xác nhận đã triển khai nhưng không có ngày rà soát `reviewed:`".into(),
            NoReviewDate => "attested implemented but without a `reviewed:` date".into(),
            ReviewedAfterEvaluation { reviewed } if vi => format!("ngày rà soát {} sau ngày đánh giá", day(*reviewed)),
            ReviewedAfterEvaluation { reviewed } => {
                format!("reviewed on {}, after the evaluation date", day(*reviewed))
            }
            Stale { reviewed, months, until } if vi => {
                format!(
                    "xác nhận đã quá hạn: rà soát ngày {}, hiệu lực {months} tháng (đến {})",
                    day(*reviewed),
                    day(*until)
                )
            }
            Stale { reviewed, months, until } => {
                format!(
                    "attestation is stale: reviewed {}, valid for {months} months (until {})",
                    day(*reviewed),
                    day(*until)
                )
            }
            WaiverExpired { expires } if vi => {
                format!("miễn trừ đã hết hạn ngày {}; không còn hiệu lực", day(*expires))
            }
            WaiverExpired { expires } => format!("waiver expired on {}; it no longer applies", day(*expires)),
            Recorded { kind, date, by } => recorded(*kind, *date, by.as_deref(), vi),
            StaleAfterIncident { reviewed, detected } if vi => format!(
                "bằng chứng ngày {} có trước sự cố nghiêm trọng phát hiện ngày {}: cần thực hiện lại sau sự cố",
                day(*reviewed),
                day(*detected)
            ),
            StaleAfterIncident { reviewed, detected } => format!(
                "evidence dated {} predates the serious incident detected on {}: it must be done again after it",
                day(*reviewed),
                day(*detected)
            ),
            DeadlineMissed { sent, deadline } if vi => {
                format!("lần gửi gần nhất ngày {}: không có lần gửi nào cho hạn {}", day(*sent), day(*deadline))
            }
            DeadlineMissed { sent, deadline } => {
                format!("last sent on {}: nothing was sent for the deadline of {}", day(*sent), day(*deadline))
            }
            SentAfterDeadline { sent, deadline } if vi => format!(
                "gửi ngày {}, sau hạn {}: tính cho kỳ sau; không có lần gửi nào đúng hạn {}",
                day(*sent),
                day(*deadline),
                day(*deadline)
            ),
            SentAfterDeadline { sent, deadline } => format!(
                "sent on {}, after the deadline of {}: it counts for the next one; nothing is recorded as sent by {}",
                day(*sent),
                day(*deadline),
                day(*deadline)
            ),
            SentOnTime { evidence, sent, deadline } if vi => {
                format!("đã gửi ngày {} ({evidence}), đúng hạn {}", day(*sent), day(*deadline))
            }
            SentOnTime { evidence, sent, deadline } => {
                format!("sent on {} ({evidence}), on time for the deadline of {}", day(*sent), day(*deadline))
            }
            AfterGoLive { dated, operating_since } if vi => format!(
                "thực hiện ngày {}, sau khi hệ thống đưa vào vận hành ngày {}: phải thực hiện trước khi vận hành",
                day(*dated),
                day(*operating_since)
            ),
            AfterGoLive { dated, operating_since } => format!(
                "done on {}, after the system went live on {}: it must come before operation",
                day(*dated),
                day(*operating_since)
            ),
            NoEvidence if vi => "không có bằng chứng cho biện pháp này".into(),
            NoEvidence => "no evidence shows this control".into(),
            NotInCatalogue { control, catalogue } if vi => {
                format!("biện pháp {control} không có trong danh mục {catalogue}")
            }
            NotInCatalogue { control, catalogue } => format!("control {control} is not in catalogue {catalogue}"),
        }
    }
}

fn recorded(kind: AssessmentKind, date: Date, by: Option<&str>, vi: bool) -> String {
    let what = match (kind, vi) {
        (AssessmentKind::PreOperation, false) => "pre-operation assessment",
        (AssessmentKind::Periodic, false) => "periodic assessment",
        (AssessmentKind::PreOperation, true) => "kiểm tra, đánh giá trước khi đưa vào sử dụng",
        (AssessmentKind::Periodic, true) => "kiểm tra, đánh giá định kỳ",
    };
    match (by, vi) {
        (Some(b), false) => format!("{what} on {} by {b} (inventory `assessments:`)", day(date)),
        (None, false) => format!("{what} on {} (inventory `assessments:`)", day(date)),
        (Some(b), true) => format!("{what} ngày {} do {b} thực hiện (mục `assessments:`)", day(date)),
        (None, true) => format!("{what} ngày {} (mục `assessments:`)", day(date)),
    }
}

impl From<Text> for Message {
    fn from(t: Text) -> Self {
        Message::Text(t)
    }
}
