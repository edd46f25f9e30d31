//! Tests of the fleet: the drawn offices keep the seed's means, a run is
//! the same on any number of cores, and the gateway catches what was planned.

use super::*;

fn options(offices: usize, jobs: usize, days: Option<u32>) -> Options {
    Options {
        offices,
        month: Month::parse("2017-09").expect("a month"),
        template: "ordinary-month".into(),
        seed: 20_170_901,
        jobs,
        days,
    }
}

/// Over many offices the plan's means are the seed's: 1.9 C&C calls and
/// 360 likely clicks per office-month (the generator, not the gateway).
#[test]
fn drawn_offices_keep_the_seeds_means() {
    let catalog = Catalog::embedded();
    let plans = plans(&catalog, &options(4000, 1, None)).expect("plans");
    let n = plans.len() as f64;
    let calls = plans.iter().map(|p| p.cnc_calls.len()).sum::<usize>() as f64 / n;
    let clicks = plans.iter().map(|p| p.expected_clicks).sum::<f64>() / n;
    assert!(
        (calls - SEED_CNC_PER_OFFICE).abs() < 0.1,
        "C&C calls per office {calls}"
    );
    assert!(
        (clicks - SEED_WEB_PER_OFFICE).abs() < 10.0,
        "clicks per office {clicks}"
    );
    // Offices differ: not every office calls a C&C server, some call several times.
    let silent = plans.iter().filter(|p| p.cnc_calls.is_empty()).count();
    let many = plans.iter().filter(|p| p.cnc_calls.len() >= 4).count();
    assert!(
        silent > 400 && many > 200,
        "{silent} silent, {many} with 4 or more"
    );
    for p in &plans {
        assert!(p.clickers >= 1 && p.clickers <= p.staff, "{p:?}");
        assert_eq!(p.cnc_host.is_some(), !p.cnc_calls.is_empty(), "{p:?}");
        assert!(p.cnc_calls.windows(2).all(|w| w[0] <= w[1]), "{p:?}");
    }
}

/// Two offices for two days: the same on one core and on two, and every
/// planned C&C call is a C&C detection (the plan is the oracle).
#[test]
fn a_small_fleet_is_the_same_on_any_number_of_cores_and_catches_the_plan() {
    let catalog = Catalog::embedded();
    // Office plans for two days: find a seed's office with a C&C call in them.
    let mut opts = options(6, 1, Some(2));
    let one = run(&catalog, &opts, &|_, _| {}).expect("one core");
    opts.jobs = 2;
    let two = run(&catalog, &opts, &|_, _| {}).expect("two cores");
    assert_eq!(one.offices, two.offices);
    assert_eq!(one.csv(), two.csv());
    for office in &one.offices {
        assert_eq!(
            office.cnc,
            office.plan.cnc_calls.len() as u64,
            "office {}: planned C&C calls against detections",
            office.plan.index
        );
        assert!(
            office.web as f64 > office.plan.expected_clicks * 0.3
                && (office.web as f64) < office.plan.expected_clicks * 2.0 + 5.0,
            "office {}: {} blocks for {:.1} expected clicks",
            office.plan.index,
            office.web,
            office.plan.expected_clicks
        );
    }
    let planned: usize = one.offices.iter().map(|o| o.plan.cnc_calls.len()).sum();
    assert!(
        planned > 0,
        "no office of this seed calls a C&C server in two days: pick another seed"
    );
    let table = one.table(&opts);
    assert!(
        table.contains("fleet of 6 offices, 2017-09 (2 days)"),
        "{table}"
    );
}

#[test]
fn a_template_without_bad_clicks_is_refused() {
    let catalog = Catalog::embedded();
    let mut opts = options(1, 1, Some(1));
    opts.template = "winxp-cnc-beacon".into();
    let err = plans(&catalog, &opts).expect_err("not a template");
    assert!(
        format!("{err:#}").contains("cannot be a fleet template"),
        "{err:#}"
    );
}
