//! `loyalty demo`: a sample program and a few months of sample activity,
//! created once in the data folder and reopened afterwards.

use std::path::Path;

use loyalty_core::kernel::time::Clock;
use loyalty_core::session::demo;
use loyalty_core::store::{DB_FILE, SqliteSecretStore, Store};
use loyalty_core::wallet::Time;

use crate::{emit, err_text, render};

/// Fills an empty wallet with the demo program, card and sample activity
/// (the core's demo), the card secret in the wallet's own secret table.
fn seed(store: &mut Store, db: &Path, now: Time) -> Result<(), String> {
    let secrets = SqliteSecretStore::open(db).map_err(err_text)?;
    let mut secret = [0u8; 20];
    getrandom::fill(&mut secret).map_err(|e| format!("no randomness for the card secret: {e}"))?;
    demo::seed(store, &secrets, &secret, now).map_err(err_text)
}

/// Builds the demo wallet beside `db` and moves it into place only if no
/// wallet is there yet: of two first runs at once, one wins and the other
/// reopens the winner's wallet; a run stopped halfway leaves no half-made
/// wallet behind. Returns whether this run's wallet was the one kept.
fn create(dir: &Path, db: &Path, now: Time) -> Result<bool, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create data folder {}: {e}", dir.display()))?;
    loyalty_core::store::make_private_dir(dir);
    let draft = dir.join(format!(".{DB_FILE}.creating-{}", std::process::id()));
    let remove_draft = || {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = draft.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    };
    remove_draft();
    let built = (|| {
        let mut store = Store::open(&draft).map_err(err_text)?;
        seed(&mut store, &draft, now)?;
        // The journal folded in: the draft file alone is the whole wallet.
        store.close().map_err(err_text)
    })();
    let kept = built.and_then(|()| match std::fs::hard_link(&draft, db) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(format!(
            "cannot put the demo wallet in place at {}: {e}",
            db.display()
        )),
    });
    remove_draft();
    kept
}

/// Creates the demo wallet on first run (reopens it afterwards) and prints it.
pub fn run(dir: &Path, clock: &dyn Clock) -> Result<(), String> {
    let db = dir.join(DB_FILE);
    let now = clock.now();
    let created = !db.exists() && create(dir, &db, now)?;
    let mut store = Store::open_dir(dir).map_err(err_text)?;
    if !created && store.program().is_none() {
        // A wallet file made by another command, still empty: seeded in place.
        seed(&mut store, &db, now)?;
        emit(&format!("Created a demo wallet in {}\n", dir.display()));
    } else if created {
        emit(&format!("Created a demo wallet in {}\n", dir.display()));
    } else {
        emit(&format!("Reopened the demo wallet in {}\n", dir.display()));
    }
    emit(
        "(pass --data-dir DIR to use another folder; `loyalty wallet --json` prints the same as JSON)\n\n",
    );
    let snap = store.snapshot(now, 30, 10).map_err(err_text)?;
    emit(&render::snapshot_text(store.program(), &snap));
    let (challenges, badges) = store.goal_views(now).map_err(err_text)?;
    emit(&format!(
        "\nChallenges:\n{}\nBadges:\n{}",
        crate::goals::challenges_text(&challenges),
        crate::goals::badges_text(&badges)
    ));
    let unread = store.unread_count(now).map_err(err_text)?;
    let latest: Vec<_> = store
        .list_messages(now, false)
        .map_err(err_text)?
        .into_iter()
        .take(3)
        .collect();
    emit(&format!(
        "\n{}",
        crate::inbox::list_text(&latest, unread, now).replacen(" shown", " latest shown", 1)
    ));
    drop(store);
    let card = crate::card::service_for(dir)?;
    let view = card.view(now).map_err(err_text)?;
    emit(&format!(
        "\nYour card (show it at the till; `loyalty card show` redraws it):\n{}",
        crate::card::card_text(&view)
    ));
    Ok(())
}
