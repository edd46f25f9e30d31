//! The overall rating of the summary report, by the project's own formula:
//! seed 000 shows that the summary report grades the month 「一目でわかる」 and
//! that it began in September 2018, not how it grades, so the formula below
//! is ours, stated in full, and reports of earlier months say they are rated
//! for reference only.
//!
//! ```text
//! score = 100
//!       - 35 × (hosts with C&C callbacks, at most 2)      infection strongly suspected
//!       - min(15, C&C detections / 10)
//!       - min(15, malicious-site blocks / 25)
//!       - min(20, 2 × anti-malware detections)
//!       - min(10, (IPS + DoS detections) / 10)
//! clamped to 0..=100 (divisions round down)
//! grade: A >= 90 (good), B >= 75 (fair), C >= 60 (caution), D < 60 (action needed)
//! ```
//!
//! A host calling a C&C server alone puts the month at C or lower: the
//! report guide says such a device needs early action. The rating only
//! covers the time the gateway reported: with less than the whole month it
//! is marked incomplete; with less than 90% of the month the score is only
//! provisional and no grade is given; with no report at all there is no
//! score either (an empty month is not a safe month, FAQ Q21).

use serde::Serialize;

/// What the formula reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RatingInputs {
    pub cnc_hosts: u64,
    pub cnc_detections: u64,
    pub malicious_site_blocks: u64,
    pub malware_detections: u64,
    pub intrusion_detections: u64,
    /// Share of the month the gateway reported, per mille.
    pub reported_per_mille: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Grade {
    A,
    B,
    C,
    D,
}

impl Grade {
    pub fn label_key(self) -> &'static str {
        match self {
            Grade::A => "grade_a",
            Grade::B => "grade_b",
            Grade::C => "grade_c",
            Grade::D => "grade_d",
        }
    }
}

/// The result, with its inputs, so a reader can redo the sum.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rating {
    /// `None` when the gateway reported nothing this month.
    pub score: Option<u32>,
    /// `None` when less than [`GRADED_PER_MILLE`] of the month was reported.
    pub grade: Option<Grade>,
    /// The gateway did not report the whole month.
    pub incomplete: bool,
    /// Points taken off, per term of the formula, in its order.
    pub deductions: [u32; 5],
    pub inputs: RatingInputs,
}

/// The share of the month (per mille) the gateway must have reported for a grade.
pub const GRADED_PER_MILLE: u32 = 900;

fn cap(n: u64, max: u32) -> u32 {
    u32::try_from(n.min(u64::from(max))).unwrap_or(max)
}

impl Rating {
    pub fn compute(inputs: RatingInputs) -> Rating {
        let deductions = [
            35 * cap(inputs.cnc_hosts, 2),
            cap(inputs.cnc_detections / 10, 15),
            cap(inputs.malicious_site_blocks / 25, 15),
            cap(inputs.malware_detections.saturating_mul(2), 20),
            cap(inputs.intrusion_detections / 10, 10),
        ];
        let incomplete = inputs.reported_per_mille < 1000;
        if inputs.reported_per_mille == 0 {
            return Rating {
                score: None,
                grade: None,
                incomplete,
                deductions,
                inputs,
            };
        }
        let score = 100u32.saturating_sub(deductions.iter().sum());
        let grade = match score {
            90.. => Grade::A,
            75..=89 => Grade::B,
            60..=74 => Grade::C,
            _ => Grade::D,
        };
        Rating {
            score: Some(score),
            grade: (inputs.reported_per_mille >= GRADED_PER_MILLE).then_some(grade),
            incomplete,
            deductions,
            inputs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> RatingInputs {
        RatingInputs {
            reported_per_mille: 1000,
            ..RatingInputs::default()
        }
    }

    #[test]
    fn a_quiet_fully_reported_month_is_a() {
        let r = Rating::compute(inputs());
        assert_eq!(
            (r.score, r.grade, r.incomplete),
            (Some(100), Some(Grade::A), false)
        );
    }

    #[test]
    fn the_seed_incident_is_d() {
        let r = Rating::compute(RatingInputs {
            cnc_hosts: 1,
            cnc_detections: 1146,
            ..inputs()
        });
        assert_eq!(r.deductions, [35, 15, 0, 0, 0]);
        assert_eq!((r.score, r.grade), (Some(50), Some(Grade::D)));
    }

    #[test]
    fn an_average_month_is_d_and_without_its_cnc_host_b() {
        // Seed 000: 1.9 C&C detections and 360 malicious-site accesses per company.
        let r = Rating::compute(RatingInputs {
            cnc_hosts: 1,
            cnc_detections: 2,
            malicious_site_blocks: 360,
            ..inputs()
        });
        assert_eq!(r.deductions, [35, 0, 14, 0, 0]);
        assert_eq!((r.score, r.grade), (Some(51), Some(Grade::D)));
        let r = Rating::compute(RatingInputs {
            malicious_site_blocks: 360,
            ..inputs()
        });
        assert_eq!((r.score, r.grade), (Some(86), Some(Grade::B)));
    }

    #[test]
    fn deductions_are_capped_and_the_score_clamped() {
        let r = Rating::compute(RatingInputs {
            cnc_hosts: 9,
            cnc_detections: u64::MAX,
            malicious_site_blocks: u64::MAX,
            malware_detections: u64::MAX,
            intrusion_detections: u64::MAX,
            reported_per_mille: 1000,
        });
        assert_eq!(r.deductions, [70, 15, 15, 20, 10]);
        assert_eq!((r.score, r.grade), (Some(0), Some(Grade::D)));
    }

    #[test]
    fn no_report_no_rating() {
        let r = Rating::compute(RatingInputs::default());
        assert_eq!((r.score, r.grade, r.incomplete), (None, None, true));
        let partial = Rating::compute(RatingInputs {
            reported_per_mille: 500,
            ..RatingInputs::default()
        });
        assert_eq!((partial.score, partial.grade), (Some(100), None));
        assert!(partial.incomplete);
        let most = Rating::compute(RatingInputs {
            reported_per_mille: 900,
            ..RatingInputs::default()
        });
        assert_eq!((most.grade, most.incomplete), (Some(Grade::A), true));
    }
}
