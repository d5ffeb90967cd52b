//! The scenarios, run in this order (later ones rely on the embedded server being up).

mod adwaita;
mod conventions;
mod dialogs;
mod history;
mod host_edit;
mod hosts;
mod keyring;
mod local;
mod processes;
mod remote;
mod tls;

use crate::harness::World;

/// A scenario: `Err` or a panic fails it.
pub type Scenario = fn(&World) -> Result<(), String>;

/// Every scenario, in order.
pub const ALL: &[(&str, Scenario)] = &[
    (
        "main_window_shows_the_fixture_host",
        local::main_window_shows_the_fixture_host,
    ),
    ("cpu_page_shows_each_core", local::cpu_page_shows_each_core),
    ("main_window_screenshot", local::main_window_screenshot),
    (
        "each_disk_and_interface_has_its_page",
        local::each_disk_and_interface_has_its_page,
    ),
    (
        "resource_graph_draws_the_history",
        local::resource_graph_draws_the_history,
    ),
    (
        "graphs_start_filled_after_a_restart",
        history::graphs_start_filled_after_a_restart,
    ),
    (
        "processes_search_and_sort_by_each_column",
        processes::processes_search_and_sort_by_each_column,
    ),
    (
        "signal_menu_terminates_a_child_process",
        processes::signal_menu_terminates_a_child_process,
    ),
    (
        "delete_key_terminates_after_confirmation",
        processes::delete_key_terminates_after_confirmation,
    ),
    (
        "credentials_and_log_windows",
        local::credentials_and_log_windows,
    ),
    (
        "settings_dialog_applies_the_log_level_live",
        dialogs::settings_dialog_applies_the_log_level_live,
    ),
    ("shortcuts_and_about", dialogs::shortcuts_and_about),
    (
        "escape_closes_dialogs_and_shortcuts_are_listed",
        conventions::escape_closes_dialogs_and_shortcuts_are_listed,
    ),
    (
        "a_held_up_main_loop_is_measured",
        conventions::a_held_up_main_loop_is_measured,
    ),
    (
        "quit_saves_the_window_size",
        conventions::quit_saves_the_window_size,
    ),
    (
        "a_second_launch_raises_the_first",
        conventions::a_second_launch_raises_the_first,
    ),
    (
        "main_window_is_adwaita_and_toasts_confirm",
        adwaita::main_window_is_adwaita_and_toasts_confirm,
    ),
    (
        "preferences_window_changes_and_saves_a_setting",
        adwaita::preferences_window_changes_and_saves_a_setting,
    ),
    (
        "preferences_change_units_and_resources",
        dialogs::preferences_change_units_and_resources,
    ),
    (
        "keyring_without_an_entry_still_shows_this_computer",
        keyring::keyring_without_an_entry_still_shows_this_computer,
    ),
    (
        "unavailable_keyring_resets_only_after_confirmation",
        keyring::unavailable_keyring_resets_only_after_confirmation,
    ),
    (
        "timed_out_keyring_says_it_may_be_locked",
        keyring::timed_out_keyring_says_it_may_be_locked,
    ),
    (
        "serve_made_account_without_a_keyring_is_live",
        keyring::serve_made_account_without_a_keyring_is_live,
    ),
    (
        "remote_host_window_connects",
        remote::remote_host_window_connects,
    ),
    (
        "tls_host_asks_once_then_is_remembered",
        tls::tls_host_asks_once_then_is_remembered,
    ),
    (
        "hosts_are_saved_and_restored_across_launches",
        hosts::hosts_are_saved_and_restored_across_launches,
    ),
    (
        "connect_again_fixes_the_host_in_place",
        host_edit::connect_again_fixes_the_host_in_place,
    ),
    (
        "https_is_probed_switched_to_and_trusted_after_cancel",
        host_edit::https_is_probed_switched_to_and_trusted_after_cancel,
    ),
    (
        "remote_host_down_and_back_is_notified",
        conventions::remote_host_down_and_back_is_notified,
    ),
    (
        "refused_login_shows_the_banner",
        remote::refused_login_shows_the_banner,
    ),
    (
        "unreachable_host_shows_the_banner",
        remote::unreachable_host_shows_the_banner,
    ),
    (
        "invalid_url_says_how_to_write_one",
        remote::invalid_url_says_how_to_write_one,
    ),
    (
        "taken_port_falls_back_to_a_free_one",
        remote::taken_port_falls_back_to_a_free_one,
    ),
    (
        "unusable_data_dir_says_what_to_do",
        remote::unusable_data_dir_says_what_to_do,
    ),
];
